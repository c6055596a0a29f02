#!/usr/bin/env python3
"""Train, evaluate and export the GFL Lens demo detector.

A compact GFL detector (Li et al., "Generalized Focal Loss", NeurIPS 2020) trained on the procedural
shapes dataset written by extension/demo/generateDataset.ts:
  backbone  plain 3x3 conv-BN-LeakyReLU stages (strides 2..32)
  neck      PAN-lite: 1x1 laterals to 64 channels, top-down then bottom-up addition with interpolation (NanoDet)
  head      one 3x3 conv tower shared by classification and regression and by the three levels (strides 8/16/32),
            outputs C joint class-IoU logits and 4 x (reg_max + 1) DFL logits per anchor point
  losses    Quality Focal Loss (beta 2) on the joint score, Distribution Focal Loss (weight 0.25),
            GIoU loss (weight 2.0); box losses weighted by the detached predicted score as in GFL
  assigner  ATSS (Zhang et al. 2020): 9 nearest anchor points per level, IoU threshold mean + std,
            centre inside the box; anchor box side 5 x stride (NanoDet's octave_base_scale)

Export (ONNX, NanoDet-m head layout): input "image" [1, 3, 320, 320] float32 RGB normalised as
(pixel - mean) / std; outputs score_s8, score_s16, score_s32 ([N, C], sigmoid applied) then
dfl_s8, dfl_s16, dfl_s32 ([N, 4 * (reg_max + 1)], logits; edges left, top, right, bottom), N = H * W
row-major, anchor centre ((x + 0.5) * stride, (y + 0.5) * stride), distances in stride units.

Usage (from the repository root; Debian: apt-get install python3-torch python3-pil):
  node --import tsx extension/demo/generateDataset.ts --out scratch/demo-data --seed 1 --train 2000 --val 200
  /usr/bin/python3 media/demo/training/train_gfl.py --data scratch/demo-data --epochs 12 --out media/demo
"""
import argparse
import json
import math
import os
import random
import time

# Idle OpenMP threads sleep instead of spinning: the machine is shared, and spinning would also inflate CPU time.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

INPUT_SIZE = 320
STRIDES = (8, 16, 32)
REG_MAX = 7
ANCHOR_SCALE = 5.0  # ATSS anchor box side in strides (NanoDet-m: octave_base_scale 5)
ATSS_TOPK = 9
# Normalisation in 0..255 units, RGB order (written to the sidecar profile).
MEAN = (127.5, 127.5, 127.5)
STD = (64.0, 64.0, 64.0)
QFL_BETA = 2.0
DFL_WEIGHT = 0.25
GIOU_WEIGHT = 2.0


# ----------------------------------------------------------------------------------------------- data

def load_split(root, split):
    """Reads <root>/<split>/instances_<split>.json and its images into memory (uint8 NCHW)."""
    with open(os.path.join(root, split, 'instances_%s.json' % split)) as f:
        coco = json.load(f)
    categories = sorted(coco['categories'], key=lambda c: c['id'])
    cat_to_label = {c['id']: i for i, c in enumerate(categories)}
    images = sorted(coco['images'], key=lambda im: im['id'])
    per_image = {im['id']: [] for im in images}
    for ann in coco['annotations']:
        per_image[ann['image_id']].append(ann)
    pixels = np.zeros((len(images), 3, INPUT_SIZE, INPUT_SIZE), dtype=np.uint8)
    boxes, labels = [], []
    for i, im in enumerate(images):
        if im['width'] != INPUT_SIZE or im['height'] != INPUT_SIZE:
            raise ValueError('%s: image %s is %dx%d, expected %d x %d' % (split, im['file_name'], im['width'], im['height'], INPUT_SIZE, INPUT_SIZE))
        with Image.open(os.path.join(root, split, 'images', im['file_name'])) as pil:
            pixels[i] = np.asarray(pil.convert('RGB')).transpose(2, 0, 1)
        anns = per_image[im['id']]
        b = np.array([[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2], a['bbox'][1] + a['bbox'][3]] for a in anns], dtype=np.float32).reshape(-1, 4)
        boxes.append(torch.from_numpy(b))
        labels.append(torch.tensor([cat_to_label[a['category_id']] for a in anns], dtype=torch.long))
    return {
        'pixels': torch.from_numpy(pixels), 'boxes': boxes, 'labels': labels,
        'image_ids': [im['id'] for im in images], 'categories': categories,
    }


def normalise(pixels_uint8):
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (pixels_uint8.float() - mean) / std


# ---------------------------------------------------------------------------------------------- model

def conv_bn(cin, cout, kernel=3, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.LeakyReLU(0.1, inplace=True),
    )


class DemoGFL(nn.Module):
    def __init__(self, num_classes, neck_channels=64, head_channels=64):
        super().__init__()
        self.num_classes = num_classes
        self.stem = conv_bn(3, 16, 3, 2)                                      # 1/2
        self.stage1 = nn.Sequential(conv_bn(16, 32, 3, 2))                    # 1/4
        self.stage2 = nn.Sequential(conv_bn(32, 48, 3, 2), conv_bn(48, 48))   # 1/8
        self.stage3 = nn.Sequential(conv_bn(48, 96, 3, 2), conv_bn(96, 96))   # 1/16
        self.stage4 = nn.Sequential(conv_bn(96, 128, 3, 2), conv_bn(128, 128))  # 1/32
        self.laterals = nn.ModuleList([conv_bn(c, neck_channels, 1) for c in (48, 96, 128)])
        self.tower = conv_bn(neck_channels, head_channels)
        self.cls_out = nn.Conv2d(head_channels, num_classes, 3, 1, 1)
        self.reg_out = nn.Conv2d(head_channels, 4 * (REG_MAX + 1), 3, 1, 1)
        nn.init.constant_(self.cls_out.bias, -math.log((1 - 0.01) / 0.01))  # prior probability 0.01 (focal loss init)
        nn.init.normal_(self.cls_out.weight, std=0.01)
        nn.init.normal_(self.reg_out.weight, std=0.01)
        nn.init.zeros_(self.reg_out.bias)

    def forward(self, x):
        """Returns per level (cls_logits [B, C, H, W], dfl_logits [B, 4(R+1), H, W])."""
        c2 = self.stage2(self.stage1(self.stem(x)))
        c3 = self.stage3(c2)
        c4 = self.stage4(c3)
        p3, p4, p5 = (lat(c) for lat, c in zip(self.laterals, (c2, c3, c4)))
        # PAN-lite: top-down then bottom-up, interpolation only (NanoDet's PAN).
        p4 = p4 + F.interpolate(p5, size=p4.shape[-2:], mode='bilinear', align_corners=False)
        p3 = p3 + F.interpolate(p4, size=p3.shape[-2:], mode='bilinear', align_corners=False)
        p4 = p4 + F.interpolate(p3, size=p4.shape[-2:], mode='bilinear', align_corners=False)
        p5 = p5 + F.interpolate(p4, size=p5.shape[-2:], mode='bilinear', align_corners=False)
        outputs = []
        for p in (p3, p4, p5):
            t = self.tower(p)
            outputs.append((self.cls_out(t), self.reg_out(t)))
        return outputs


class ExportHead(nn.Module):
    """NanoDet-m output layout: all per-level [N, C] sigmoid scores, then all per-level [N, 4(R+1)] DFL logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        levels = self.model(image)
        c = self.model.num_classes
        scores = [torch.sigmoid(cls).permute(0, 2, 3, 1).reshape(-1, c) for cls, _ in levels]
        dfl = [reg.permute(0, 2, 3, 1).reshape(-1, 4 * (REG_MAX + 1)) for _, reg in levels]
        return tuple(scores + dfl)


def anchor_points():
    """Anchor centres ((x + 0.5) * s, (y + 0.5) * s) for all levels, row-major, and each point's stride."""
    centres, strides = [], []
    for s in STRIDES:
        n = INPUT_SIZE // s
        ys, xs = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing='ij')
        centres.append(torch.stack([(xs.reshape(-1) + 0.5) * s, (ys.reshape(-1) + 0.5) * s], dim=1))
        strides.append(torch.full((n * n,), float(s)))
    return torch.cat(centres), torch.cat(strides), [(INPUT_SIZE // s) ** 2 for s in STRIDES]


def flatten_outputs(levels):
    cls = torch.cat([c.permute(0, 2, 3, 1).reshape(c.shape[0], -1, c.shape[1]) for c, _ in levels], dim=1)
    reg = torch.cat([r.permute(0, 2, 3, 1).reshape(r.shape[0], -1, r.shape[1]) for _, r in levels], dim=1)
    return cls, reg


def dfl_expectation(reg_logits):
    """Expected distance per edge (stride units) from DFL logits [..., 4(R+1)] -> [..., 4]."""
    prob = F.softmax(reg_logits.reshape(*reg_logits.shape[:-1], 4, REG_MAX + 1), dim=-1)
    return (prob * torch.arange(REG_MAX + 1, dtype=prob.dtype)).sum(-1)


def distances_to_boxes(centres, distances):
    return torch.stack([centres[..., 0] - distances[..., 0], centres[..., 1] - distances[..., 1],
                        centres[..., 0] + distances[..., 2], centres[..., 1] + distances[..., 3]], dim=-1)


# --------------------------------------------------------------------------------------------- losses

def box_iou(a, b):
    """Pairwise IoU, a [N, 4], b [M, 4] (xyxy) -> [N, M]."""
    area_a = (a[:, 2] - a[:, 0]).clamp(min=0) * (a[:, 3] - a[:, 1]).clamp(min=0)
    area_b = (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter).clamp(min=1e-6)


def aligned_iou_giou(a, b):
    """IoU and GIoU (Rezatofighi et al. 2019) of aligned boxes a[i], b[i]."""
    area_a = (a[:, 2] - a[:, 0]).clamp(min=0) * (a[:, 3] - a[:, 1]).clamp(min=0)
    area_b = (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)
    inter = (torch.min(a[:, 2:], b[:, 2:]) - torch.max(a[:, :2], b[:, :2])).clamp(min=0).prod(-1)
    union = (area_a + area_b - inter).clamp(min=1e-6)
    iou = inter / union
    hull = (torch.max(a[:, 2:], b[:, 2:]) - torch.min(a[:, :2], b[:, :2])).clamp(min=0).prod(-1).clamp(min=1e-6)
    return iou, iou - (hull - union) / hull


def atss_assign(centres, strides, level_counts, gt_boxes):
    """ATSS: per GT, the 9 nearest points per level are candidates; positives have IoU >= mean + std of the
    candidates' IoUs and their centre inside the GT; a point claimed by several GTs takes the highest IoU.
    Returns the assigned GT index per point (-1 = background)."""
    num_points = centres.shape[0]
    assigned = torch.full((num_points,), -1, dtype=torch.long)
    if gt_boxes.shape[0] == 0:
        return assigned
    half = strides[:, None] * ANCHOR_SCALE / 2
    anchor_boxes = torch.cat([centres - half, centres + half], dim=1)
    ious = box_iou(anchor_boxes, gt_boxes)                                   # [A, G]
    gt_centres = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
    distances = torch.cdist(centres, gt_centres)                             # [A, G]
    candidates, start = [], 0
    for count in level_counts:
        k = min(ATSS_TOPK, count)
        candidates.append(distances[start:start + count].topk(k, dim=0, largest=False).indices + start)
        start += count
    candidates = torch.cat(candidates, dim=0)                                # [K, G]
    candidate_ious = ious.gather(0, candidates)
    threshold = candidate_ious.mean(0) + candidate_ious.std(0)
    is_pos = candidate_ious >= threshold[None, :]
    cx = centres[candidates, 0]
    cy = centres[candidates, 1]
    inside = torch.stack([cx - gt_boxes[:, 0], cy - gt_boxes[:, 1], gt_boxes[:, 2] - cx, gt_boxes[:, 3] - cy], -1).min(-1).values > 0.01
    is_pos &= inside
    masked = torch.full_like(ious, -1.0)
    gt_index = torch.arange(gt_boxes.shape[0]).expand_as(candidates)
    masked[candidates[is_pos], gt_index[is_pos]] = ious[candidates[is_pos], gt_index[is_pos]]
    best_iou, best_gt = masked.max(1)
    assigned[best_iou >= 0] = best_gt[best_iou >= 0]
    return assigned


def gfl_losses(cls_logits, reg_logits, centres, strides, level_counts, gt_boxes_list, gt_labels_list):
    batch, num_points, num_classes = cls_logits.shape
    score_targets = torch.zeros_like(cls_logits)
    pos_batch, pos_point, pos_boxes = [], [], []
    for b in range(batch):
        assigned = atss_assign(centres, strides, level_counts, gt_boxes_list[b])
        pos = torch.nonzero(assigned >= 0).squeeze(1)
        pos_batch.append(torch.full_like(pos, b))
        pos_point.append(pos)
        pos_boxes.append(gt_boxes_list[b][assigned[pos]])
        score_targets[b, pos, gt_labels_list[b][assigned[pos]]] = -1.0  # placeholder: IoU filled below
    pos_batch = torch.cat(pos_batch)
    pos_point = torch.cat(pos_point)
    pos_boxes = torch.cat(pos_boxes)
    num_pos = max(1, pos_point.numel())
    loss_giou = cls_logits.sum() * 0
    loss_dfl = cls_logits.sum() * 0
    if pos_point.numel() > 0:
        pos_reg = reg_logits[pos_batch, pos_point]                          # [P, 4(R+1)]
        pos_centres = centres[pos_point]
        pos_strides = strides[pos_point][:, None]
        pred_boxes = distances_to_boxes(pos_centres, dfl_expectation(pos_reg) * pos_strides)
        iou, giou = aligned_iou_giou(pred_boxes, pos_boxes)
        # QFL target: IoU of the (detached) predicted box with its GT, on the GT's class only.
        label_mask = score_targets[pos_batch, pos_point] < 0
        targets_at_pos = torch.zeros((pos_point.numel(), num_classes))
        targets_at_pos[label_mask] = iou.detach().clamp(min=0)
        score_targets[pos_batch, pos_point] = targets_at_pos
        weights = torch.sigmoid(cls_logits.detach()[pos_batch, pos_point]).max(-1).values
        weight_sum = weights.sum().clamp(min=1e-6)
        loss_giou = ((1 - giou) * weights).sum() / weight_sum
        # DFL: cross-entropy to the two bins around the continuous target distance, linearly weighted.
        target_dist = torch.stack([pos_centres[:, 0] - pos_boxes[:, 0], pos_centres[:, 1] - pos_boxes[:, 1],
                                   pos_boxes[:, 2] - pos_centres[:, 0], pos_boxes[:, 3] - pos_centres[:, 1]], -1) / pos_strides
        target_dist = target_dist.clamp(0, REG_MAX - 0.01)
        left = target_dist.long()
        weight_left = left.float() + 1 - target_dist
        logits = pos_reg.reshape(-1, REG_MAX + 1)
        dfl = F.cross_entropy(logits, left.reshape(-1), reduction='none') * weight_left.reshape(-1) + \
            F.cross_entropy(logits, (left + 1).reshape(-1), reduction='none') * (1 - weight_left).reshape(-1)
        loss_dfl = (dfl.reshape(-1, 4).mean(-1) * weights).sum() / weight_sum
    # QFL (GFL eq. 5): BCE to the soft target, modulated by |sigma - y|^beta, normalised by the positive count.
    sigma = torch.sigmoid(cls_logits)
    qfl = F.binary_cross_entropy_with_logits(cls_logits, score_targets, reduction='none') * (sigma - score_targets).abs().pow(QFL_BETA)
    loss_qfl = qfl.sum() / num_pos
    return loss_qfl, GIOU_WEIGHT * loss_giou, DFL_WEIGHT * loss_dfl, pos_point.numel()


# ------------------------------------------------------------------------------------ decode + evaluate

def nms(boxes, scores, threshold):
    order = scores.argsort(descending=True)
    keep = []
    while order.numel() > 0:
        i = order[0]
        keep.append(int(i))
        if order.numel() == 1:
            break
        ious = box_iou(boxes[i][None], boxes[order[1:]])[0]
        order = order[1:][ious <= threshold]
    return torch.tensor(keep, dtype=torch.long)


def decode(levels, score_threshold=0.05, top_k_per_level=1000, nms_iou=0.6, max_per_image=100):
    """GFL test settings: per level the top-k points by max class score, score > threshold per (point, class),
    class-aware NMS at IoU 0.6, at most 100 detections. levels: per level (scores [N, C], dfl [N, 4(R+1)])."""
    all_boxes, all_scores, all_labels = [], [], []
    for (scores, dfl), stride in zip(levels, STRIDES):
        n = INPUT_SIZE // stride
        ys, xs = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing='ij')
        centres = torch.stack([(xs.reshape(-1) + 0.5) * stride, (ys.reshape(-1) + 0.5) * stride], 1)
        if scores.shape[0] > top_k_per_level:
            top = scores.max(1).values.topk(top_k_per_level).indices
            scores, dfl, centres = scores[top], dfl[top], centres[top]
        # Not clipped to the image: the demo's boxes are amodal and continue past the border on truncated objects.
        boxes = distances_to_boxes(centres, dfl_expectation(dfl) * stride)
        point, label = torch.nonzero(scores > score_threshold, as_tuple=True)
        all_boxes.append(boxes[point])
        all_scores.append(scores[point, label])
        all_labels.append(label)
    boxes, scores, labels = torch.cat(all_boxes), torch.cat(all_scores), torch.cat(all_labels)
    keep = []
    for c in labels.unique():
        idx = torch.nonzero(labels == c).squeeze(1)
        keep.append(idx[nms(boxes[idx], scores[idx], nms_iou)])
    if not keep:
        return boxes[:0], scores[:0], labels[:0]
    keep = torch.cat(keep)
    keep = keep[scores[keep].argsort(descending=True)][:max_per_image]
    return boxes[keep], scores[keep], labels[keep]


def average_precision(detections, gt_boxes_list, gt_labels_list, num_classes, iou_threshold):
    """Simple COCO-style AP for one IoU threshold: per class, detections sorted by score are greedily matched
    (each to the unmatched GT of best IoU >= threshold), 101-point interpolated precision (COCO's recall grid),
    averaged over classes with ground truth. No area ranges, no crowd handling, at most 100 detections per image."""
    aps = []
    for c in range(num_classes):
        records = []
        total_gt = 0
        for img, (boxes, scores, labels) in enumerate(detections):
            gt = gt_boxes_list[img][gt_labels_list[img] == c]
            total_gt += gt.shape[0]
            sel = labels == c
            b, s = boxes[sel], scores[sel]
            order = s.argsort(descending=True)
            b, s = b[order], s[order]
            matched = torch.zeros(gt.shape[0], dtype=torch.bool)
            ious = box_iou(b, gt) if gt.shape[0] > 0 and b.shape[0] > 0 else torch.zeros((b.shape[0], gt.shape[0]))
            for d in range(b.shape[0]):
                best, best_j = iou_threshold, -1
                for j in range(gt.shape[0]):
                    if not matched[j] and ious[d, j] >= best:
                        best, best_j = float(ious[d, j]), j
                if best_j >= 0:
                    matched[best_j] = True
                records.append((float(s[d]), best_j >= 0))
        if total_gt == 0:
            continue
        records.sort(key=lambda r: -r[0])
        tp = np.cumsum([r[1] for r in records]) if records else np.zeros(0)
        fp = np.cumsum([not r[1] for r in records]) if records else np.zeros(0)
        recall = tp / total_gt
        precision = tp / np.maximum(tp + fp, 1e-9)
        for i in range(len(precision) - 2, -1, -1):
            precision[i] = max(precision[i], precision[i + 1])
        grid = np.linspace(0, 1, 101)
        idx = np.searchsorted(recall, grid, side='left')
        aps.append(float(np.mean([precision[i] if i < len(precision) else 0.0 for i in idx])))
    return float(np.mean(aps)) if aps else 0.0


@torch.no_grad()
def evaluate(model, data, batch_size=20):
    model.eval()
    detections = []
    for start in range(0, data['pixels'].shape[0], batch_size):
        x = normalise(data['pixels'][start:start + batch_size])
        levels = model(x)
        for b in range(x.shape[0]):
            per_level = [(torch.sigmoid(cls[b]).permute(1, 2, 0).reshape(-1, cls.shape[1]),
                          reg[b].permute(1, 2, 0).reshape(-1, reg.shape[1])) for cls, reg in levels]
            detections.append(decode(per_level))
    num_classes = len(data['categories'])
    ap50 = average_precision(detections, data['boxes'], data['labels'], num_classes, 0.5)
    ap75 = average_precision(detections, data['boxes'], data['labels'], num_classes, 0.75)
    ap = float(np.mean([average_precision(detections, data['boxes'], data['labels'], num_classes, t) for t in np.arange(0.5, 0.96, 0.05)]))
    return {'AP50': ap50, 'AP75': ap75, 'AP': ap}


# --------------------------------------------------------------------------------------------- export

def export_onnx(model, path, class_names, opset):
    model.eval()
    wrapper = ExportHead(model)
    levels = len(STRIDES)
    output_names = ['score_s%d' % s for s in STRIDES] + ['dfl_s%d' % s for s in STRIDES]
    torch.onnx.export(wrapper, torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE), path, input_names=['image'],
                      output_names=output_names, opset_version=opset, do_constant_folding=True)
    profile = {
        'name': 'gfl-lens-demo',
        'inputSize': [INPUT_SIZE, INPUT_SIZE],
        'strides': list(STRIDES),
        'regMax': REG_MAX,
        'centerOffset': 0.5,
        'scoreActivation': 'none',
        'distributionActivation': 'softmax',
        'colorOrder': 'RGB',
        'mean': list(MEAN),
        'std': list(STD),
        'resize': 'letterbox',
        'letterboxAlign': 'center',
        'padValue': 128,
        'classNames': class_names,
        'layout': 'per-level',
        'clipBoxes': False,
    }
    assert len(output_names) == 2 * levels
    with open(path + '.gfl-profile.json', 'w') as f:
        json.dump(profile, f, indent=2)
        f.write('\n')


# ----------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', required=True, help='dataset root written by generateDataset.ts')
    parser.add_argument('--out', default='media/demo', help='directory for gfl-demo.onnx and its profile')
    parser.add_argument('--epochs', type=int, default=12, help='upper bound on epochs')
    parser.add_argument('--cpu-budget-min', type=float, default=0,
                        help='training budget in CPU minutes of this process (2 threads: 40 = 20 minutes of an idle 2-core machine); '
                             'the cosine schedule runs over whichever progress is furthest: steps, CPU time or wall time')
    parser.add_argument('--max-wall-min', type=float, default=0, help='hard wall-clock cap on training (0: none)')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--lr', type=float, default=2e-3)
    parser.add_argument('--weight-decay', type=float, default=0.05)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--opset', type=int, default=11)
    parser.add_argument('--checkpoint', default='scratch/gfl-demo.pt', help='where to save the trained weights')
    parser.add_argument('--benchmark-steps', type=int, default=0, help='only time this many training steps and exit')
    parser.add_argument('--init', default=None, help='start from these weights (e.g. to continue a run with a second schedule)')
    parser.add_argument('--eval-only', action='store_true', help='load --checkpoint, evaluate on val and export')
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    started = time.time()
    train = load_split(args.data, 'train') if not args.eval_only else None
    val = load_split(args.data, 'val')
    class_names = [c['name'] for c in val['categories']]
    print('loaded data in %.1f s: %s train, %d val images' % (time.time() - started, train['pixels'].shape[0] if train else '-', val['pixels'].shape[0]), flush=True)

    model = DemoGFL(len(class_names))
    print('parameters: %d' % sum(p.numel() for p in model.parameters()), flush=True)
    if args.init:
        model.load_state_dict(torch.load(args.init))
    centres, strides, level_counts = anchor_points()
    train_seconds = 0.0
    train_cpu_seconds = 0.0
    step = 0

    if not args.eval_only:
        steps_per_epoch = train['pixels'].shape[0] // args.batch_size
        total_steps = args.benchmark_steps or steps_per_epoch * args.epochs
        warmup = min(200, total_steps // 10)
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
        cpu_budget = args.cpu_budget_min * 60
        wall_budget = args.max_wall_min * 60

        def progress(step):
            # On a shared CPU the wall-clock speed varies; CPU time measures the work done. The cosine schedule
            # follows whichever budget is furthest along, so it always completes.
            p = step / total_steps
            if cpu_budget > 0:
                p = max(p, (time.process_time() - cpu_started) / cpu_budget)
            if wall_budget > 0:
                p = max(p, (time.time() - train_started) / wall_budget)
            return p

        def learning_rate(step):
            return args.lr * min(1.0, (step + 1) / max(1, warmup)) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress(step)))))

        generator = torch.Generator().manual_seed(args.seed)
        step = 0
        train_started = time.time()
        cpu_started = time.process_time()
        model.train()
        while progress(step) < 1:
            order = torch.randperm(train['pixels'].shape[0], generator=generator)
            for batch_start in range(0, steps_per_epoch * args.batch_size, args.batch_size):
                if progress(step) >= 1:
                    break
                for group in optimizer.param_groups:
                    group['lr'] = learning_rate(step)
                idx = order[batch_start:batch_start + args.batch_size]
                x = normalise(train['pixels'][idx])
                boxes = [train['boxes'][i].clone() for i in idx.tolist()]
                labels = [train['labels'][i] for i in idx.tolist()]
                flips = torch.rand(len(idx), generator=generator) < 0.5  # horizontal flip; shapes are left-right symmetric classes
                for b in range(len(idx)):
                    if flips[b]:
                        x[b] = x[b].flip(-1)
                        boxes[b] = torch.stack([INPUT_SIZE - boxes[b][:, 2], boxes[b][:, 1], INPUT_SIZE - boxes[b][:, 0], boxes[b][:, 3]], 1)
                cls, reg = flatten_outputs(model(x))
                loss_qfl, loss_giou, loss_dfl, num_pos = gfl_losses(cls, reg, centres, strides, level_counts, boxes, labels)
                loss = loss_qfl + loss_giou + loss_dfl
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 35.0)
                optimizer.step()
                step += 1
                if step % 25 == 0:
                    elapsed = time.time() - train_started
                    print('step %d/%d epoch %.2f loss %.3f (qfl %.3f giou %.3f dfl %.3f) pos %d lr %.2e  wall %.0f s cpu %.0f s progress %.3f' % (
                        step, total_steps, step / steps_per_epoch, loss.item(), loss_qfl.item(), loss_giou.item(), loss_dfl.item(),
                        num_pos, optimizer.param_groups[0]['lr'], elapsed, time.process_time() - cpu_started, progress(step)), flush=True)
        train_seconds = time.time() - train_started
        train_cpu_seconds = time.process_time() - cpu_started
        if args.benchmark_steps:
            print('benchmark: %.2f s/step at batch %d' % (train_seconds / step, args.batch_size))
            return
        os.makedirs(os.path.dirname(args.checkpoint) or '.', exist_ok=True)
        torch.save(model.state_dict(), args.checkpoint)
    else:
        model.load_state_dict(torch.load(args.checkpoint))

    eval_started = time.time()
    metrics = evaluate(model, val)
    print('val (simple COCO-style evaluation, %d images): AP50 %.4f AP75 %.4f AP[.5:.95] %.4f  (%.1f s)' % (
        val['pixels'].shape[0], metrics['AP50'], metrics['AP75'], metrics['AP'], time.time() - eval_started), flush=True)
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, 'gfl-demo.onnx')
    export_onnx(model, onnx_path, class_names, args.opset)
    summary = {'train_seconds': round(train_seconds, 1), 'train_cpu_seconds': round(train_cpu_seconds, 1), 'steps': step if not args.eval_only else None,
               'epochs': round(step * args.batch_size / train['pixels'].shape[0], 2) if not args.eval_only else None, 'batch_size': args.batch_size,
               'val_images': val['pixels'].shape[0], 'onnx_bytes': os.path.getsize(onnx_path), **metrics}
    print('summary ' + json.dumps(summary), flush=True)


if __name__ == '__main__':
    main()
