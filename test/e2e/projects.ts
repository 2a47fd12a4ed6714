import { yaml } from '../helpers/tmp.js';

/** Pipelines the end-to-end tests run, written into a temp project's .wave/. */
export const PIPELINES = {
  // Writes a marker per step so tests can count executions across crashes and resumes.
  slow: yaml`
    kind: WavePipeline
    metadata: { description: "a long step between quick ones" }
    steps:
      - id: first
        type: command
        workspace: { type: project }
        script: echo first >> first.count; echo first done
      - id: long
        type: command
        dependencies: [first]
        workspace: { type: project }
        script: |
          sleep 300 &
          echo $! > grandchild.pid
          echo long started
          wait
      - id: after
        type: command
        dependencies: [long]
        script: echo after
  `,
  gated: yaml`
    kind: WavePipeline
    steps:
      - id: build
        type: command
        workspace: { type: project }
        script: echo build >> build.count; echo built
      - id: ask
        dependencies: [build]
        gate:
          prompt: "Ship it?"
          choices: [ { key: yes, label: Ship }, { key: no, label: Stop, target: _fail } ]
          freeform: true
      - id: ship
        dependencies: [ask]
        type: command
        script: echo "shipping with {{ gate.ask.choice }}"; echo note={{ gate.ask.text }}
  `,
  fails: yaml`
    kind: WavePipeline
    steps:
      - id: boom
        type: command
        script: echo about to fail; exit 3
      - id: later
        dependencies: [boom]
        type: command
        script: echo never
  `,
  needs: yaml`
    kind: WavePipeline
    input: { source: cli, type: string, required: true, example: "a branch name" }
    steps:
      - id: echo
        type: command
        script: echo {{ input }}
  `,
  noisy: yaml`
    kind: WavePipeline
    steps:
      - id: garbage
        type: command
        script: head -c 20000 /dev/urandom; echo; echo after-garbage
      - id: longline
        type: command
        script: head -c 10485760 /dev/zero | tr '\\0' 'x'; echo; echo after-long
  `,
  steady: yaml`
    kind: WavePipeline
    steps:
      - { id: one, type: command, script: "sleep 0.4; echo one done" }
      - { id: two, type: command, dependencies: [one], script: "sleep 0.4; echo two done" }
  `,
  agent: yaml`
    kind: WavePipeline
    steps:
      - id: think
        persona: thinker
        exec: { type: prompt, source: "Think about {{ input }}" }
  `,
} as const;

export function projectFiles(extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = { '.wave/personas/thinker.md': '# Thinker\nThink hard.\n' };
  for (const [name, text] of Object.entries(PIPELINES)) files[`.wave/pipelines/${name}.yaml`] = text;
  return { ...files, ...extra };
}
