import { formatCatalogLocation, type CatalogError } from '@/server/scenarios/catalog';

/** Scenario problems as an author reads them: file:line first, then how to fix it. */
export function ScenarioErrorList({ errors, testId }: { errors: CatalogError[]; testId?: string }) {
  return (
    <ul data-testid={testId} className="mt-3 space-y-2">
      {errors.map((error, index) => (
        <li key={index} className="font-mono text-xs leading-5">
          <span className="font-semibold">{formatCatalogLocation(error)}</span>{' '}
          <span className="break-words">{error.message}</span>
        </li>
      ))}
    </ul>
  );
}
