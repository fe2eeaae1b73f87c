import type { Metadata } from 'next';
import { Roster } from './Roster';

export const metadata: Metadata = { title: 'Instructor · Nestbox' };
// Whether the view is enabled is read from the environment on every request.
export const dynamic = 'force-dynamic';

/** The instructor's view of the room; disabled, with how to enable it, without a token. */
export default function InstructorPage() {
  const enabled = (process.env.NESTBOX_INSTRUCTOR_TOKEN ?? '') !== '';
  return (
    <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8 sm:px-6">
      <h1 className="text-2xl font-semibold tracking-tight">Instructor</h1>
      {enabled ? (
        <Roster />
      ) : (
        <div className="mt-6 max-w-2xl rounded-md border border-amber-300 bg-amber-50 p-4 text-sm dark:border-amber-700 dark:bg-amber-950">
          <p className="font-medium">The instructor view is disabled on this lab.</p>
          <p className="mt-2">
            To enable it, start the server with a secret of at least 16 characters, for example{' '}
            <code>NESTBOX_INSTRUCTOR_TOKEN=$(openssl rand -hex 24) npm start</code>, then sign in
            here with that token.
          </p>
        </div>
      )}
    </main>
  );
}
