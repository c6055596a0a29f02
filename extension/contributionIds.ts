// Ids shared with package.json's "contributes": defined once here, checked against package.json by
// test/unit/contributions.test.ts. Pure data (no vscode), so the CLI and tests can import it.

/** Every command the extension contributes (package.json contributes.commands), and only those. */
export enum CommandId {
  /** Runs the model on the image(s) selected in the explorer or open in the editor; opens the inspector. */
  RunOnImage = 'gflLens.runOnImage',
  /** Runs the model on every image directly inside a folder. */
  RunOnFolder = 'gflLens.runOnFolder',
  /** Runs the model on a COCO instances JSON's images and evaluates against its annotations. */
  RunOnCocoDataset = 'gflLens.runOnCocoDataset',
  /** Shows a saved run (.gflrun) or a COCO results JSON, without a model. */
  LoadResults = 'gflLens.loadResults',
  /** Opens the calibration view (quality score vs. IoU) of the shown run. */
  OpenCalibration = 'gflLens.openCalibration',
  /** Opens the evaluation view (COCO stats, per-class table, curves, confusion matrix, TIDE, worst images) of the shown run. */
  OpenEvaluation = 'gflLens.openEvaluation',
  /** Opens the ambiguity view (most ambiguous edge distributions) of the shown run. */
  OpenAmbiguity = 'gflLens.openAmbiguity',
  /** Picks the ONNX model (writes the gflLens.model setting); also the status bar item's click. */
  SelectModel = 'gflLens.selectModel',
  /** Tries every execution provider on the selected model and opens the report (as `gfl-lens doctor`). */
  CheckGpu = 'gflLens.checkGpu',
  /** Exports the shown run as an HTML, Markdown, JSON, CSV or COCO results report. */
  ExportReport = 'gflLens.exportReport',
  /** Failures tree item click: opens the inspector focused on that detection or missed ground truth. */
  OpenFailure = 'gflLens.openFailure',
  /** Failures tree context menu: copies the item's record as JSON. */
  CopyFailureRecord = 'gflLens.copyFailureRecord',
  /** Failures tree context menu: reveals the item's image in the explorer (or the OS file manager). */
  RevealFailureImage = 'gflLens.revealFailureImage',
  /** Failures view title: which detections the tree lists (at the operating threshold, or every one) and the threshold. */
  SetFailurePopulation = 'gflLens.setFailurePopulation',
  /** Failures view title: narrows every view to a class, a size and/or an image. */
  FilterFailures = 'gflLens.filterFailures',
  /** Failures view title and filter row: shows every class, size and image again. */
  ClearViewFilter = 'gflLens.clearViewFilter',
  /** Failures tree "Show more" row: lists the next page of a group. */
  ShowMoreFailures = 'gflLens.showMoreFailures',
  /** Reopens one of the workspace's recently shown runs (quick pick). */
  OpenRecentRun = 'gflLens.openRecentRun',
  /** Compares the shown run (A) with a saved run, a COCO results file, or a second model run on the same dataset (B). */
  CompareWithRun = 'gflLens.compareWithRun',
}

/** The activity bar container holding the Failures view (package.json viewsContainers.activitybar). */
export const VIEW_CONTAINER_ID = 'gflLens';
/** VS Code's built-in command that reveals a view container: "workbench.view.extension.<container id>". */
export const SHOW_VIEW_CONTAINER_COMMAND = `workbench.view.extension.${VIEW_CONTAINER_ID}`;

/** Tree views (package.json views). */
export enum ViewId {
  /** The Failures sidebar: failure groups and their detections / missed ground truths. */
  Failures = 'gflLens.failures',
}

/** Context keys the extension sets with "setContext", read by package.json when clauses. */
export enum ContextKey {
  /** True while a run is shown: enables the view commands and hides the Failures welcome content. */
  HasRun = 'gflLens.hasRun',
  /** True while the shared view filter narrows the views (shows the Failures view's "Clear Filter" button). */
  HasViewFilter = 'gflLens.hasViewFilter',
}

/** contextValue of Failures tree items, matched by package.json view/item/context menus ("viewItem"); groups have none. */
export enum TreeItemContext {
  /** A detection inside a failure group. */
  FailureDetection = 'gflLens.failureDetection',
  /** A missed ground truth box (the Miss group). */
  FailureMissed = 'gflLens.failureMissed',
}

/** Webview panel types (package.json activationEvents "onWebviewPanel:<type>", restored by serializers). */
export enum WebviewPanelType {
  Inspector = 'gflLens.inspector',
  Calibration = 'gflLens.calibration',
  Ambiguity = 'gflLens.ambiguity',
  Evaluation = 'gflLens.evaluation',
  Compare = 'gflLens.compare',
}

/**
 * The rendered preview of an exported HTML report (Export Report → Open). Not restored after a reload (no
 * serializer, so no activation event): the report file is the lasting artefact.
 */
export const REPORT_PREVIEW_VIEW_TYPE = 'gflLens.reportPreview';

/** Section of the settings (package.json configuration properties are "<section>.<GflLensSettings key>"). */
export const CONFIGURATION_SECTION = 'gflLens';
