import { STAGES } from '../api.js';
import { useI18n } from '../i18n/index.js';

/** Visual stepper of the case stages; the current one is highlighted and marked aria-current. */
export function StageStepper({ stage }: { stage: string }) {
  const { t, tv } = useI18n();
  const current = STAGES.indexOf(stage as (typeof STAGES)[number]);
  return (
    <ol className="stepper" aria-label={t('case.stages')} data-testid="stage-stepper">
      {STAGES.map((s, i) => {
        const state =
          current < 0 ? 'pending' : i < current ? 'done' : i === current ? 'current' : 'pending';
        const stateLabel =
          state === 'done'
            ? t('case.stepDone')
            : state === 'current'
              ? t('case.stepCurrent')
              : t('case.stepPending');
        return (
          <li
            key={s}
            className={`step step-${state}`}
            aria-current={state === 'current' ? 'step' : undefined}
            data-testid={`step-${s}`}
            data-state={state}
          >
            <span className="step-marker" aria-hidden="true">
              {state === 'done' ? '✓' : i + 1}
            </span>
            <span className="step-label">{tv('stage', s)}</span>
            <span className="visually-hidden"> ({stateLabel})</span>
          </li>
        );
      })}
    </ol>
  );
}
