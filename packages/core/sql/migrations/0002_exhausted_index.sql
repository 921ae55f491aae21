-- 0002: an additive partial index over exhausted live jobs (attempts >= max_attempts). honker
-- dead-letters exhausted claimable rows before every claim by walking every due row of the
-- queue, which makes its claim O(backlog) (2,160 claims/s at 5k pending, 379/s at 20k). With this
-- index the dead-letter step is a seek over the few exhausted rows. honker ignores extra indexes.

CREATE INDEX IF NOT EXISTS _honker_live_exhausted
  ON _honker_live(queue, id)
  WHERE attempts >= max_attempts;
