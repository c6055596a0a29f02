// The one ".partial" naming of anything still being written or interrupted (run stores; see io/runStore.ts).
// Atomic writes of other outputs are io/atomicFile.ts.

/** Suffix of a run still being written, or interrupted: never mistaken for a complete one. */
export const PARTIAL_SUFFIX = '.partial';
