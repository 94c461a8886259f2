"""Dump a training run for `ufm series`: per epoch, the penultimate
features (the input of the last layer, caught by a forward hook), the last
layer's weights and bias, and the targets, as .npy files named
epoch-N.features.npy, epoch-N.weights.npy, epoch-N.bias.npy and targets.npy.

    from dump_features import Dumper
    dumper = Dumper(model.head, "run/")     # model.head: the last nn.Linear
    for epoch in range(1, epochs + 1):
        train_one_epoch(model, train_loader, optimizer)
        dumper.dump(model, dump_loader, epoch)  # shuffle=False, training set

    $ ufm series run/ --lambda-h 1e-3 --lambda-w 5e-4 --out run-plots/
"""
import os

import numpy as np
import torch


class Dumper:
    def __init__(self, last_layer, out_dir):
        self.last, self.out = last_layer, out_dir
        self.batches, self.active = [], False
        os.makedirs(out_dir, exist_ok=True)
        last_layer.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        if self.active:  # only during dump(), not during training steps
            self.batches.append(inputs[0].detach().flatten(1).double().cpu())

    @torch.no_grad()
    def dump(self, model, loader, epoch):
        was_training, device = model.training, next(model.parameters()).device
        model.eval()  # dropout off, batch-norm running statistics
        self.batches, targets, self.active = [], [], True
        try:
            for x, y in loader:
                model(x.to(device))
                targets.append(y.reshape(len(y), -1).double().cpu())
        finally:
            self.active = False
            model.train(was_training)
        base = os.path.join(self.out, "epoch-%d" % epoch)
        np.save(base + ".features.npy", torch.cat(self.batches).numpy())
        np.save(base + ".weights.npy", self.last.weight.detach().double().cpu().numpy())
        if self.last.bias is not None:
            np.save(base + ".bias.npy", self.last.bias.detach().double().cpu().numpy())
        y, shared = torch.cat(targets).numpy(), os.path.join(self.out, "targets.npy")
        if not os.path.exists(shared):
            np.save(shared, y)
        elif not np.array_equal(np.load(shared), y):  # rows changed order
            np.save(base + ".targets.npy", y)
