/** The lines of the Kaggle snapshot, as bytes arrive from the file (or from gunzip). */
import { XivdigestError } from '../../core/errors.js';

/**
 * The lines of a byte stream with the offset after each (its newline included), decoded as UTF-8. The first `skip`
 * bytes are passed over without looking for lines (a `.gz` resumed at a checkpoint); `base` is the offset of the
 * stream's first byte in the text (a plain file opened at the checkpoint).
 */
export async function* byteLines(
  input: AsyncIterable<Buffer>,
  skip: number,
  base: number,
  onSkipping: () => void,
): AsyncGenerator<{ text: string; end: number }> {
  let position = skip > 0 ? 0 : base;
  let toSkip = skip;
  let carry: Buffer | undefined;
  let lastReport = 0;
  for await (const piece of input) {
    let chunk = piece;
    if (toSkip > 0) {
      if (chunk.length <= toSkip) {
        toSkip -= chunk.length;
        position += chunk.length;
        if (Date.now() - lastReport > 1000) {
          lastReport = Date.now();
          onSkipping();
        }
        continue;
      }
      chunk = chunk.subarray(toSkip);
      position += toSkip;
      toSkip = 0;
    }
    const buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let end = buffer.indexOf(10, start); end >= 0; end = buffer.indexOf(10, start)) {
      const stop = end > start && buffer[end - 1] === 13 ? end - 1 : end;
      yield { text: buffer.toString('utf8', start, stop), end: position + end + 1 };
      start = end + 1;
    }
    position += start;
    carry = start < buffer.length ? Buffer.from(buffer.subarray(start)) : undefined;
  }
  if (toSkip > 0) {
    throw new XivdigestError({
      code: 'INPUT_MALFORMED',
      message: `The file ends before the checkpoint's offset (${skip} bytes)`,
      hint: 'The file changed since the last run; start over with --restart',
    });
  }
  if (carry && carry.length > 0) yield { text: carry.toString('utf8'), end: position + carry.length };
}
