/**
 * The devices' models: each device's module-set (moduleset.ts), read from the controller
 * over its socket with the YANG of each set (controller.ts), kept in a models folder
 * (folder.ts), and what modules ask of them (`DeviceModels`, snapshot.ts).
 */
export { ModuleSetFormatError, entryFile, featuresOf, moduleSetKey, moduleSetsOfDevices, parseDeviceSchemaReply, parseDeviceSchemaTexts, type ModuleSetEntry } from './moduleset.ts';
export { ControllerModels, fetchSetYang, readModuleSets, snapshotOf, type ModelsLoad } from './controller.ts';
export { MODELS_FILE, ModelsFolderError, isModelsFolder, readModelsFolder, writeModelsFile } from './folder.ts';
export { ModelsUnavailableError, SnapshotModels, deviceModels, type DeviceModels, type ModelsSnapshot, type ModuleSetInfo } from './snapshot.ts';
export { loadModels, modelsFromConfig, saveModels } from './load.ts';
export { DeviceSchemaCache, type DeviceSchemaResolution, type SetCompile } from './schemas.ts';
