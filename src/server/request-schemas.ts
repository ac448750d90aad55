/** Every request body of the API, sized by the server's limits. */
import { collectionSchemas } from './collection-schemas.js';
import { pointSchemas, type ServerLimits } from './schemas.js';
import { searchSchemas } from './search-schemas.js';

export function requestSchemas(limits: ServerLimits) {
  return { ...pointSchemas(limits), ...searchSchemas(limits), ...collectionSchemas };
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;
