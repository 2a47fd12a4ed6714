/**
 * The `step` of artifacts that belong to the run itself rather than to one of its steps (the
 * run's `diff`), in the store, in `artifact_written` and in the artifacts route. Step ids start
 * with a letter or digit, so no step can be called this. Free of imports so the web UI shares it.
 */
export const RUN_ARTIFACT_STEP = '_run';
