'use client';

import { useRouter } from 'next/navigation';
import { useState, type SyntheticEvent } from 'react';

export function JoinForm() {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const code = new FormData(event.currentTarget).get('code');
    const response = await fetch('/api/join', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    if (response.ok) {
      router.push('/');
      return;
    }
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    setError(body.error?.message ?? 'That did not work; try again.');
  };
  return (
    <form onSubmit={(event) => void submit(event)} className="mt-6 flex flex-col gap-2">
      <label htmlFor="code" className="text-sm font-medium">
        Join code
      </label>
      <input
        id="code"
        name="code"
        required
        autoComplete="off"
        className="rounded-md border border-zinc-300 px-3 py-1.5 font-mono dark:border-zinc-700 dark:bg-zinc-900"
      />
      <button
        type="submit"
        className="self-start rounded-md bg-emerald-600 px-3 py-1.5 text-sm text-white"
      >
        Join
      </button>
      {error && <p className="text-sm text-red-600">{error}</p>}
    </form>
  );
}
