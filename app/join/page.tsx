import type { Metadata } from 'next';
import { JoinForm } from './JoinForm';

export const metadata: Metadata = { title: 'Join the workshop · Nestbox' };

/** Where learners of a workshop (NESTBOX_JOIN_CODE) enter its code before they get a sandbox. */
export default function JoinPage() {
  return (
    <main className="mx-auto w-full max-w-md flex-1 px-4 py-12">
      <h1 className="text-2xl font-semibold tracking-tight">Join the workshop</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Enter the join code your instructor gave you. A workshop link carries it for you.
      </p>
      <JoinForm />
    </main>
  );
}
