import { yaml } from './tmp.js';

/**
 * a → (b, c) → d. Each step appends its name to ran.log in the project (the side effect that
 * shows whether it ran again). c fails until the file `fixed` exists, once b has completed, so
 * the first run fails in the middle of the DAG with one branch done.
 */
export const DIAMOND = yaml`
  kind: WavePipeline
  steps:
    - id: a
      type: command
      workspace: { type: project }
      script: |
        echo a >> ran.log
        printf '{"n": 1}' > a-out.json
      output_artifacts:
        - { name: data, path: a-out.json, type: json }
    - id: b
      dependencies: [a]
      type: command
      workspace: { type: project }
      script: |
        echo b >> ran.log
        touch b-done
    - id: c
      dependencies: [a]
      type: command
      workspace: { type: project }
      script: |
        for i in $(seq 1 600); do [ -f b-done ] && break; sleep 0.05; done
        echo c >> ran.log
        test -f fixed
    - id: d
      dependencies: [b, c]
      type: command
      workspace: { type: project }
      memory: { inject_artifacts: [{ step: a, artifact: data, as: data.json }] }
      script: |
        echo d >> ran.log
        cat {{ artifacts.data.json }} > d-saw.json
`;
