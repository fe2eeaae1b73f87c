import Link from 'next/link';

/** A lesson address that names no scenario (mistyped, renamed or removed): say so, and lead back. */
export default function LessonNotFound() {
  return (
    <main className="mx-auto w-full max-w-3xl flex-1 px-4 py-10 sm:px-6">
      <h1 className="text-2xl font-semibold tracking-tight">No lesson here</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">
        This address names no lesson. It may have been renamed or removed.
      </p>
      <p className="mt-4">
        <Link
          href="/"
          className="font-medium text-emerald-700 underline underline-offset-2 dark:text-emerald-400"
        >
          Back to the lessons
        </Link>
      </p>
    </main>
  );
}
