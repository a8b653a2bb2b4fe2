// Makes sure the namespace has bootshift's custom search attributes. The dev server's --search-attribute flags only
// apply when it creates a new database, so a server restarted on an existing file (or a real cluster) is brought up
// to date here through the operator service; attributes already present are left alone.
import { Connection } from '@temporalio/client';
import type { SearchAttributeKey, SearchAttributeType } from '@temporalio/common/lib/search-attributes';
import { temporal } from '@temporalio/proto';

const { IndexedValueType } = temporal.api.enums.v1;

const indexedType: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export async function registerSearchAttributes(
  address: string,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[],
): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = keys.filter((k) => !(k.name in (existing.customAttributes ?? {})));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((k) => [k.name, indexedType[k.type]])),
      });
    }
    return missing.map((k) => k.name);
  } finally {
    await connection.close();
  }
}
