/**
 * The example scenarios of `scenarios/*.mm`, bundled as text (Vite's import.meta.glob with ?raw), for
 * the scenario editor's menu. The oracle scenarios (scenarios/oracle/) are left out: they are
 * replays of recorded kernel runs, not lessons.
 */
const files = import.meta.glob<string>('../../../scenarios/*.mm', {
  query: '?raw',
  import: 'default',
  eager: true,
});

interface ExampleScenario {
  /** the file name without .mm */
  name: string;
  /** its first comment line, without `# ` */
  title: string;
  text: string;
}

export const EXAMPLES: readonly ExampleScenario[] = Object.entries(files)
  .map(([path, text]) => ({
    name: path.replace(/^.*\//, '').replace(/\.mm$/, ''),
    title: /^#\s*(.+)$/m.exec(text)?.[1] ?? '',
    text,
  }))
  .sort((a, b) => a.name.localeCompare(b.name));
