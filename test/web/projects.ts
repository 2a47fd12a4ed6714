import { yaml } from '../helpers/tmp.js';

/** Small pipelines for the browser tests, written into the test server's temp project. */
export const UI_PIPELINES = {
  quick: yaml`
    kind: WavePipeline
    metadata: { description: "Greets the input and keeps the greeting" }
    input: { source: cli, type: string, example: "world", description: "Who to greet" }
    steps:
      - id: greet
        type: command
        script: echo "hello "{{ input }} | tee greeting.txt
        output_artifacts: [{ name: greeting, path: greeting.txt, type: text }]
      - id: shout
        dependencies: [greet]
        type: command
        script: sleep 0.3; echo "done shouting"
  `,
  gated: yaml`
    kind: WavePipeline
    metadata: { description: "Builds, asks, ships" }
    steps:
      - id: build
        type: command
        script: echo built
      - id: ask
        dependencies: [build]
        gate:
          prompt: "Ship it?"
          choices: [ { key: yes, label: Ship }, { key: no, label: Stop, target: _fail } ]
          freeform: true
      - id: ship
        dependencies: [ask]
        type: command
        script: echo "shipping with "{{ gate.ask.choice }}; echo "note="{{ gate.ask.text }}
  `,
  slow: yaml`
    kind: WavePipeline
    metadata: { description: "One step that takes five minutes" }
    steps:
      - id: long
        type: command
        script: echo long started; sleep 300
  `,
  counter: yaml`
    kind: WavePipeline
    metadata: { description: "Forty numbered lines, a little apart" }
    steps:
      - id: count
        type: command
        script: for i in $(seq 1 40); do echo "line-$i"; sleep 0.05; done
  `,
  fails: yaml`
    kind: WavePipeline
    steps:
      - id: boom
        type: command
        script: echo about to fail; exit 3
  `,
  think: yaml`
    kind: WavePipeline
    metadata: { description: "An agent step under a persona" }
    steps:
      - id: plan
        type: command
        script: echo planning
      - id: think
        dependencies: [plan]
        persona: thinker
        exec: { type: prompt, source: "Think about {{ input }}" }
      - id: check
        dependencies: [plan]
        type: command
        script: echo checking
      - id: report
        dependencies: [think, check]
        type: command
        script: echo reported
  `,
} as const;

/** Project files: the pipelines above and one persona. */
export function uiProject(extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = { '.wave/personas/thinker.md': '# Thinker\nThinks hard.\n' };
  for (const [name, text] of Object.entries(UI_PIPELINES)) files[`.wave/pipelines/${name}.yaml`] = text;
  return { ...files, ...extra };
}
