#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, run by `prepare`).
import('../dist/cli/main.js').then((m) => m.main(process.argv));
