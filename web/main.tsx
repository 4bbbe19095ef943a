/** @module Page entry: render, connect the live socket, tick the clock. */
import { render } from 'preact';
import { App } from './app';
import { watchAlerts } from './state/alerts';
import { connectLive } from './state/live';
import { now } from './state/nodes';
import './state/prefs';

render(<App />, document.getElementById('app')!);
connectLive();
watchAlerts();
setInterval(() => (now.value = Date.now()), 1000);
