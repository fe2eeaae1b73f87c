/** The cookie that carries the anonymous learner id (see learner.ts); pages read it too. */
export const LEARNER_COOKIE = 'nestbox_learner';
