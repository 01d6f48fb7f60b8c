import { useApp } from '../context.js';
import type { MessageKey } from '../i18n/index.js';

/** A table's header row: one column header per catalogue key. */
export function Head({ cols }: { cols: ReadonlyArray<MessageKey | '#'> }) {
  const { t } = useApp();
  return (
    <thead>
      <tr>
        {cols.map((k) => (
          <th scope="col">{k === '#' ? k : t(k)}</th>
        ))}
      </tr>
    </thead>
  );
}
