// Desired objects as a multi-document YAML stream, the form `render` prints and
// the golden files hold.
import { stringify } from 'yaml';
import type { KubeObject } from './object.ts';

export function toYamlStream(objects: readonly KubeObject[]): string {
  // lineWidth 0: never fold a long value (a hash, an image) over two lines.
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
}
