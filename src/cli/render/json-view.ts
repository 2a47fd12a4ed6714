import type { WaveEvent } from '../../events/catalogue.js';
import type { CliIO } from '../io.js';
import type { RunRenderer } from './renderer.js';

/** `--json`: the events of API.md, one JSON object per line, and nothing else on stdout. */
export class JsonView implements RunRenderer {
  constructor(private readonly io: CliIO) {}

  onEvents(events: readonly WaveEvent[]): void {
    let text = '';
    for (const e of events) text += `${JSON.stringify(e)}\n`;
    this.io.stdout.write(text);
  }

  pause(): void {}
  resume(): void {}
  finish(): void {}
}
