/*
** xivdigest's FTS5 auxiliary function `xivdigest_bm25` (docs/decisions/0054-native-bm25.md).
**
** FTS5's built-in bm25() computes each phrase's document frequency by walking the phrase's whole doclist once per
** query (xQueryPhrase), which at a million papers costs as much as the ranking itself. This function computes the
** same score as bm25() (the same k1, b, column weights and average document length) but takes each phrase's inverse
** document frequency as an argument, so the caller can estimate it over a bounded sample of the archive:
**
**   xivdigest_bm25(fts_table, weight_0, ..., weight_{columns-1}, idf_0, ..., idf_{phrases-1})
**
** Given IDFs computed as bm25() computes them, it returns bm25()'s value exactly.
**
** Built by scripts/build-native.mjs against the sqlite3ext.h of the SQLite that better-sqlite3 bundles; loaded by
** src/store/kysely/search/native-rank.ts. Without it the store ranks with bm25().
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1
#include <math.h>
#include <string.h>

typedef struct RankData RankData;
struct RankData {
  int nPhrase;
  double avgdl;
  double *aFreq;
};

static fts5_api *ftsApi(sqlite3 *db) {
  fts5_api *api = 0;
  sqlite3_stmt *stmt = 0;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) != SQLITE_OK) return 0;
  sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
  sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  return api;
}

static int rankData(const Fts5ExtensionApi *api, Fts5Context *fts, RankData **out) {
  RankData *data = (RankData *)api->xGetAuxdata(fts, 0);
  int rc = SQLITE_OK;
  if (data == 0) {
    int nPhrase = api->xPhraseCount(fts);
    sqlite3_int64 nRow = 0, nToken = 0;
    data = (RankData *)sqlite3_malloc64(sizeof(RankData) + (sqlite3_int64)nPhrase * sizeof(double));
    if (data == 0) return SQLITE_NOMEM;
    memset(data, 0, sizeof(RankData) + (size_t)nPhrase * sizeof(double));
    data->nPhrase = nPhrase;
    data->aFreq = (double *)&data[1];
    rc = api->xRowCount(fts, &nRow);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &nToken);
    if (rc == SQLITE_OK) data->avgdl = nRow > 0 ? (double)nToken / (double)nRow : 1.0;
    if (rc == SQLITE_OK) rc = api->xSetAuxdata(fts, data, sqlite3_free);
    else sqlite3_free(data);
    if (rc != SQLITE_OK) return rc;
  }
  *out = data;
  return SQLITE_OK;
}

static void xivdigestBm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nVal, sqlite3_value **apVal) {
  const double k1 = 1.2, b = 0.75;
  int nCol = api->xColumnCount(fts);
  int nPhrase = api->xPhraseCount(fts);
  RankData *data = 0;
  int rc, i, nTok = 0;
  double score = 0.0;
  if (nVal != nCol + nPhrase) {
    char *message = sqlite3_mprintf("xivdigest_bm25: expected %d column weights and %d IDFs, got %d values", nCol, nPhrase, nVal);
    sqlite3_result_error(ctx, message, -1);
    sqlite3_free(message);
    return;
  }
  rc = rankData(api, fts, &data);
  /* Each phrase's instances on their own (xPhraseFirst/xPhraseNext): xInst would first merge and sort the instances
  ** of every phrase of the row into one list. Phrases with an IDF of 0 (under a NOT, category tokens) are skipped. */
  for (i = 0; rc == SQLITE_OK && i < nPhrase; i++) {
    Fts5PhraseIter iter;
    int column, offset;
    double freq = 0.0;
    if (sqlite3_value_double(apVal[nCol + i]) == 0.0) {
      data->aFreq[i] = 0.0;
      continue;
    }
    rc = api->xPhraseFirst(fts, i, &iter, &column, &offset);
    for (; rc == SQLITE_OK && column >= 0; api->xPhraseNext(fts, &iter, &column, &offset)) {
      freq += sqlite3_value_double(apVal[column]);
    }
    data->aFreq[i] = freq;
  }
  if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &nTok);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  for (i = 0; i < nPhrase; i++) {
    double freq = data->aFreq[i];
    if (freq == 0.0) continue;
    score += sqlite3_value_double(apVal[nCol + i]) * ((freq * (k1 + 1.0)) / (freq + k1 * (1 - b + b * (double)nTok / data->avgdl)));
  }
  sqlite3_result_double(ctx, -1.0 * score);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_xivdigestfts_init(sqlite3 *db, char **errorMessage, const sqlite3_api_routines *routines) {
  fts5_api *api;
  SQLITE_EXTENSION_INIT2(routines);
  api = ftsApi(db);
  if (api == 0 || api->iVersion < 2) {
    *errorMessage = sqlite3_mprintf("xivdigest_bm25 needs SQLite's FTS5 (fts5_api version 2 or later)");
    return SQLITE_ERROR;
  }
  return api->xCreateFunction(api, "xivdigest_bm25", 0, xivdigestBm25, 0);
}
