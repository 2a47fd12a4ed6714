/** Pipeline texts for the tests of hostile and big definitions. */

/** Nine levels of ten aliases each: 10^9 values once expanded, from a file of a few hundred bytes. */
export function billionLaughs(): string {
  const lines = ['  a0: &a0 "lol"'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `kind: WavePipeline\nlaughs:\n${lines.join('\n')}\nsteps:\n  - { id: a, type: command, script: echo }\n`;
}

/** `n` command steps, each depending on the one before; `extra(i)` adds lines to step i. */
export function chainYaml(n: number, extra: (i: number) => string[] = () => []): string {
  const steps = Array.from({ length: n }, (_, i) =>
    [
      `  - id: s${i}`,
      '    type: command',
      `    script: echo "step ${i}" {{ input }}`,
      ...(i ? [`    dependencies: [s${i - 1}]`] : []),
      ...extra(i),
    ].join('\n'),
  );
  return `kind: WavePipeline\nsteps:\n${steps.join('\n')}\n`;
}
