/** @module A labelled usage bar: colour turns amber at 70 % and red at 90 %. */

export function level(percent: number | undefined): string {
  return percent === undefined ? '' : percent >= 90 ? 'crit' : percent >= 70 ? 'warn' : 'ok';
}

/**
 * Four elements: the label and the value on one line, the bar under them (styles.css draws its fill
 * from `--fill`). A screenful of cards holds some eighty bars, each drawn again every second. The
 * meter's range is ARIA's implicit one for the role, 0 to 100: two attributes fewer a bar.
 */
export function Bar({ label, percent, detail, title }: { label: string; percent: number | undefined; detail: string; title?: string }) {
  return (
    <div class="metric" title={title}>
      <span class="metric-label">{label}</span>
      <span class="metric-value">{detail}</span>
      {/* biome-ignore lint/a11y/useSemanticElements: <meter> cannot be styled alike in every browser; role="meter" says the same */}
      <div
        class={`bar ${level(percent)}`}
        role="meter"
        aria-label={label}
        aria-valuenow={percent === undefined ? undefined : Math.round(percent)}
        style={`--fill:${percent ?? 0}%`}
      />
    </div>
  );
}
