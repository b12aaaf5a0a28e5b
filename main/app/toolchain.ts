// The TAL toolchain as the lab uses it (tal/index.ts): check with the
// per-instruction trace, and build = check, assemble, disassemble. These run
// in the toolchain worker (toolchain-worker.ts); main builds in its own
// thread only a program the worker already accepted within its limits, to get
// the CheckedImage the runner signs.

import { buildSource, checkSource, disassemble, type CheckedImage } from '../../tal/index.js';
import type { BuildReply, CheckReply, ListingLine, SourceRequest } from '../../preload/contract.js';

export function checkReply(req: SourceRequest): CheckReply {
  const r = checkSource(req.source, req.file, { trace: true });
  return { ok: r.ok, diagnostics: r.diagnostics, trace: r.trace };
}

/** The build reply the Disassembly view shows (plain data: it crosses the worker boundary). */
export function buildListing(req: SourceRequest): BuildReply {
  return buildImage(req).reply;
}

/** Builds and keeps the CheckedImage (which cannot leave its thread: the runner trusts only its own class). */
export function buildImage(req: SourceRequest): { reply: BuildReply; checked?: CheckedImage } {
  const r = buildSource(req.source, req.file);
  if (!r.ok || r.checked === undefined || r.image === undefined) return { reply: { ok: false, diagnostics: r.diagnostics, listing: [] } };
  const listing = disassemble(r.image, r.image.symbols).map((l): ListingLine => {
    const line: ListingLine = { offset: l.offset, bytes: l.bytes, text: l.text };
    if (l.line !== undefined && l.line > 0) line.sourceLine = l.line;
    if (l.line === 0) line.runtime = true;
    if (l.annotation !== undefined) line.annotation = l.annotation;
    if (l.labels !== undefined && l.labels.length > 0) line.labels = l.labels;
    return line;
  });
  return { reply: { ok: true, diagnostics: r.diagnostics, listing, imageBytes: r.checked.talo.length }, checked: r.checked };
}
