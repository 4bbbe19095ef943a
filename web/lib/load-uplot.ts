/**
 * @module Loads uPlot (served as /uplot.js, its own IIFE build) the first time a chart is drawn:
 * the overview never pays for parsing it.
 */
import type uPlot from 'uplot';

declare global {
  interface Window {
    uPlot?: typeof uPlot;
  }
}

let loading: Promise<typeof uPlot> | null = null;

export function loadUplot(): Promise<typeof uPlot> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/uplot.js';
    script.onload = () => (window.uPlot ? resolve(window.uPlot) : reject(new Error('uplot.js did not define uPlot')));
    script.onerror = () => {
      loading = null;
      reject(new Error('could not load /uplot.js'));
    };
    document.head.append(script);
  });
  return loading;
}
