/** @module Page entry: render, ask whether this visitor may look, then connect the live socket and tick the clock. */
import { render } from 'preact';
import { App } from './app';
import { checkAccess } from './state/access';
import { detectFlags } from './state/flags';
import { watchAlerts } from './state/alerts';
import { watchChecks } from './state/checks';
import { watchForecasts } from './state/forecast';
import { connectLive } from './state/live';
import { now } from './state/nodes';
import './state/prefs';

/** Starts the live feed (again, after the page password was given). */
export function startFeeds(): void {
  connectLive();
  watchAlerts();
  watchChecks();
  // The cards' badges for forecasts under 30 days (polled once here, not from every card).
  watchForecasts();
}

render(<App onUnlock={startFeeds} />, document.getElementById('app')!);
detectFlags();
if (location.pathname !== '/admin') void checkAccess().then((a) => (!a || a.granted) && startFeeds());
setInterval(() => (now.value = Date.now()), 1000);
