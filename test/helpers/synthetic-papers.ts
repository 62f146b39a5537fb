/** Papers for enrichment tests and the bench: real corpus records that pass the quality gate, else made-up papers with matching Chinese answers. */
import type { Paper } from '../../src/core/paper.js';
import { checkTexts } from '../../src/llm/validate/index.js';
import { abstractCore, loadFakeLlmPapers, titleCore, type FakeLlmCorpusSource, type FakeLlmPaper } from './fake-llm-server.js';

interface Topic {
  en: { title: string; problem: string; method: string; analysis: string; short: string; metric: string };
  zh: { title: string; problem: string; method: string; analysis: string; short: string; metric: string };
  bench: string;
}

// Hand-written pairs: each Chinese sentence translates its English one, so made-up answers pass the gate like real ones.
const TOPICS: Topic[] = [
  {
    en: {
      title: 'Sparse Expert Routing for Efficient Speech Recognition in Noisy Environments',
      problem: 'Speech recognition systems lose much of their accuracy in noisy rooms, and larger models that cope with noise are too slow for devices.',
      method: 'a speech recognizer that routes each audio frame to a few small experts chosen by a learned gate',
      analysis: 'An analysis of the gate shows that experts specialise in different kinds of noise, such as music, traffic and crowds.',
      short: 'routes audio frames to a few small experts',
      metric: 'word accuracy',
    },
    zh: {
      title: '面向嘈杂环境下高效语音识别的稀疏专家路由',
      problem: '语音识别系统在嘈杂的房间中会损失大量准确率，而能够应对噪声的更大模型在设备上运行又太慢。',
      method: '这是一种语音识别器，它通过学习到的门控将每个音频帧路由到少数几个小型专家',
      analysis: '对门控的分析表明，各个专家分别擅长处理不同类型的噪声，例如音乐、交通和人群噪声。',
      short: '将音频帧路由到少数几个小型专家',
      metric: '词准确率',
    },
    bench: 'CHiME-6',
  },
  {
    en: {
      title: 'Retrieval-Augmented Question Answering over Long Scientific Documents',
      problem: 'Language models answer questions about long scientific documents poorly, because the relevant passages are spread over many pages.',
      method: 'a question answering method that retrieves short passages from the whole document and reasons over them step by step',
      analysis: 'Ablation studies show that both the retrieval step and the step-by-step reasoning are needed for the gain.',
      short: 'retrieves short passages and reasons over them step by step',
      metric: 'answer accuracy',
    },
    zh: {
      title: '面向长篇科学文献的检索增强问答',
      problem: '语言模型在回答关于长篇科学文献的问题时表现不佳，因为相关段落分散在许多页面中。',
      method: '这是一种问答方法，它从整篇文献中检索简短段落，并在这些段落上逐步推理',
      analysis: '消融实验表明，检索步骤和逐步推理对于性能提升都是必需的。',
      short: '检索简短段落并在其上逐步推理',
      metric: '答案准确率',
    },
    bench: 'QASPER',
  },
  {
    en: {
      title: 'Graph Neural Networks for Predicting Molecular Properties from Few Labels',
      problem: 'Predicting the properties of new molecules needs many labelled examples, which are expensive to obtain in the laboratory.',
      method: 'a graph neural network that is first trained on unlabelled molecules and then adapted with a small number of labels',
      analysis: 'We find that the learned representations group molecules by their functional groups without any supervision.',
      short: 'pretrains a graph neural network on unlabelled molecules',
      metric: 'prediction accuracy',
    },
    zh: {
      title: '基于少量标签预测分子性质的图神经网络',
      problem: '预测新分子的性质需要大量带标签的样本，而这些样本在实验室中获取成本很高。',
      method: '这是一种图神经网络，它先在无标签分子上训练，再利用少量标签进行适配',
      analysis: '我们发现，学到的表示在没有任何监督的情况下按官能团对分子进行了分组。',
      short: '在无标签分子上预训练图神经网络',
      metric: '预测准确率',
    },
    bench: 'MoleculeNet',
  },
  {
    en: {
      title: 'Learning Robust Control Policies for Legged Robots from Simulation',
      problem: 'Control policies for legged robots that are trained in simulation often fail on real terrain, because the simulator does not match the world.',
      method: 'a training method that varies the simulated terrain and the robot dynamics during learning so that the policy transfers to real robots',
      analysis: 'Experiments on a real robot show that the policy walks on grass, gravel and stairs without further training.',
      short: 'varies simulated terrain and dynamics during training',
      metric: 'success rate',
    },
    zh: {
      title: '从仿真中学习足式机器人的鲁棒控制策略',
      problem: '在仿真中训练的足式机器人控制策略在真实地形上常常失效，因为仿真器与真实世界并不一致。',
      method: '这是一种训练方法，它在学习过程中改变仿真地形和机器人动力学，使策略能够迁移到真实机器人上',
      analysis: '在真实机器人上的实验表明，该策略无需进一步训练即可在草地、碎石和楼梯上行走。',
      short: '在训练中改变仿真地形和动力学',
      metric: '成功率',
    },
    bench: 'LegBench',
  },
];

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'ta', 'vo', 'zu', 'ne', 'si', 'dar'];

/** A name no other made-up paper has, e.g. `Kalomi17`: it makes titles and abstracts unique for the fake server's index. */
function nameOf(index: number): string {
  const word = SYLLABLES[index % 10]! + SYLLABLES[Math.floor(index / 10) % 10]! + SYLLABLES[Math.floor(index / 100) % 10]!;
  return `${word.charAt(0).toUpperCase()}${word.slice(1)}${index}`;
}

/** Made-up papers with Chinese answers that pass the gate; the same `index` always gives the same paper. */
export function syntheticPapers(count: number, start = 0): FakeLlmPaper[] {
  const papers: FakeLlmPaper[] = [];
  for (let index = start; index < start + count; index++) {
    const topic = TOPICS[index % TOPICS.length]!;
    const name = nameOf(index);
    const benchmarks = 3 + (index % 6);
    const gain = `${1 + (index % 7)}.${(index * 3) % 10}`;
    const fewer = 20 + (index % 50);
    const id = `2501.${String(10000 + index).padStart(5, '0')}`;
    const abstract =
      `${topic.en.problem} We introduce ${name}, ${topic.en.method}. On ${benchmarks} public benchmarks, including ${topic.bench}, ` +
      `${name} improves ${topic.en.metric} by ${gain} points over the strongest baseline while using ${fewer}% fewer parameters. ` +
      `${topic.en.analysis} Code and models are released to support further research.`;
    papers.push({
      id,
      title: `${name}: ${topic.en.title}`,
      abstract,
      link: `https://arxiv.org/abs/${id}`,
      recordedTldrEn: true,
      answer: {
        title: `${name}：${topic.zh.title}`,
        tldr: `${name} 通过${topic.zh.short}，在包括 ${topic.bench} 在内的 ${benchmarks} 个基准上将${topic.zh.metric}提升了 ${gain} 个点，且参数量减少 ${fewer}%。`,
        tldrEn: `${name} ${topic.en.short}, improving ${topic.en.metric} by ${gain} points on ${benchmarks} benchmarks including ${topic.bench} with ${fewer}% fewer parameters.`,
        abstract:
          `${topic.zh.problem}我们提出了 ${name}，${topic.zh.method}。在包括 ${topic.bench} 在内的 ${benchmarks} 个公开基准上，` +
          `${name} 的${topic.zh.metric}比最强基线高出 ${gain} 个点，同时参数量减少 ${fewer}%。${topic.zh.analysis}我们公开了代码和模型，以支持后续研究。`,
      },
    });
  }
  return papers;
}

/** The paper record enrichment works on, made from a fake-server paper. */
export function paperOf(fake: FakeLlmPaper, version: number | null = 1): Paper {
  const abstract = abstractCore(fake.abstract);
  return {
    id: fake.id,
    version,
    title: titleCore(fake.title),
    authors: [{ name: 'A. Author' }],
    abstract,
    // The original system kept the first 1,000 characters of the feed description.
    ...(fake.abstract.length >= 1000 ? { abstractTruncated: true } : {}),
    categories: ['cs.CL'],
    links: { abs: `https://arxiv.org/abs/${fake.id}` },
    versions: version === null ? [] : [{ version }],
    source: 'arxiv-rss',
  };
}

/** True when the recorded answer passes the gate, so that a test or bench run needs no repair for it. */
export function passesGate(fake: FakeLlmPaper, lang = 'zh'): boolean {
  const paper = paperOf(fake);
  return checkTexts(fake.answer, { title: paper.title, abstract: paper.abstract }, { lang, abstractTruncated: paper.abstractTruncated }).ok;
}

export interface EnrichTestPapers {
  source: FakeLlmCorpusSource | 'synthetic';
  /** Give these to the fake server (`papers`): the whole corpus (its index is built once per process), or the made-up ones. */
  serverPapers: readonly FakeLlmPaper[];
  /** The chosen papers, each passing the gate. */
  fakes: FakeLlmPaper[];
  papers: Paper[];
}

/**
 * `count` papers that pass the gate: the real corpus's when ../shared is there and holds enough, else made-up ones.
 * `offset` skips that many usable papers, so that two test files can use different ones.
 */
export function enrichTestPapers(count: number, offset = 0): EnrichTestPapers {
  const corpus = loadFakeLlmPapers();
  if (corpus.source === 'shared-corpus') {
    const usable: FakeLlmPaper[] = [];
    for (const fake of corpus.papers) {
      if (!passesGate(fake)) continue;
      usable.push(fake);
      if (usable.length >= offset + count) break;
    }
    if (usable.length >= offset + count) {
      const fakes = usable.slice(offset);
      return { source: corpus.source, serverPapers: corpus.papers, fakes, papers: fakes.map((fake) => paperOf(fake)) };
    }
  }
  const fakes = syntheticPapers(count, offset);
  return { source: 'synthetic', serverPapers: fakes, fakes, papers: fakes.map((fake) => paperOf(fake)) };
}
