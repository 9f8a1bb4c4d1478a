/** ajv-formats is CommonJS: under NodeNext its default export is the module object, so unwrap it once here. */
import formatsModule from 'ajv-formats';

type AddFormats = typeof formatsModule.default;
export const addFormats: AddFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as AddFormats;
