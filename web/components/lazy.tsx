/**
 * @module Parts of the page loaded the first time they are shown (esbuild puts each `import()` in its own
 * chunk): the overview does not parse the admin's or a node page's code. Nothing shows until it arrives.
 */
import { signal } from '@preact/signals';
import type { ComponentType } from 'preact';

export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  const loaded = signal<ComponentType<P> | null>(null);
  let loading = false;
  return function Lazy(props: P) {
    if (!loading) {
      loading = true;
      load().then(
        (component) => (loaded.value = component),
        (err: unknown) => {
          // A server updated meanwhile serves other chunks: the next render (or a reload) asks again.
          loading = false;
          console.error(err);
        },
      );
    }
    const Loaded = loaded.value;
    return Loaded ? <Loaded {...props} /> : null;
  };
}
