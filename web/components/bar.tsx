/** @module A labelled usage bar: colour turns amber at 70 % and red at 90 %. */

export function level(percent: number | undefined): string {
  return percent === undefined ? '' : percent >= 90 ? 'crit' : percent >= 70 ? 'warn' : 'ok';
}

export function Bar({ label, percent, detail, title }: { label: string; percent: number | undefined; detail: string; title?: string }) {
  return (
    <div class="metric" title={title}>
      <div class="metric-head">
        <span class="metric-label">{label}</span>
        <span class="metric-value">{detail}</span>
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: <meter> cannot be styled alike in every browser; role="meter" says the same */}
      <div
        class="bar"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent === undefined ? undefined : Math.round(percent)}
      >
        <div class={`bar-fill ${level(percent)}`} style={{ width: `${percent ?? 0}%` }} />
      </div>
    </div>
  );
}
