// Lays out large graphs off the main thread, so the page keeps answering while dagre works.
import { computeLayout, type LayoutInput } from './layout';

self.onmessage = (e: MessageEvent<{ id: number; input: LayoutInput }>) => {
  self.postMessage({ id: e.data.id, positions: computeLayout(e.data.input) });
};
