// The toolbar's one Export button: a short list of what can be taken home (the terminals' work as
// Python scripts, the diagram as SVG or PNG). One button rather than three keeps the toolbar on one
// line on a 1366-pixel projector. A <details> opens and closes from the keyboard by itself; this adds
// closing on a choice, on Escape and on a click elsewhere.

import { useEffect, useRef } from 'react';

export interface ExportItem {
  label: string;
  title: string;
  disabled?: boolean;
  run(): void;
}

export function ExportMenu({ items }: { items: readonly ExportItem[] }) {
  const menu = useRef<HTMLDetailsElement>(null);

  useEffect(() => {
    const close = (e: Event) => {
      const el = menu.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !el.contains(e.target as Node)) {
        el.open = false;
        if (e instanceof KeyboardEvent) el.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', close);
    };
  }, []);

  return (
    <details className="menu" ref={menu}>
      <summary title="Take your work home: Python scripts, or the diagram as a picture">⤓ Export</summary>
      <div className="menu-items">
        {items.map((item) => (
          <button
            key={item.label}
            type="button"
            title={item.title}
            disabled={item.disabled}
            onClick={() => {
              if (menu.current) menu.current.open = false;
              item.run();
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
    </details>
  );
}
