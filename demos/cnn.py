"""A small convolutional network learns to tell horizontal bars from vertical bars on 6x6 images.

Run it:  python demos/cnn.py            (about 5 seconds on 2 cores: every pixel is a Value)
         python demos/cnn.py --quick    (4 epochs, about a second, to see it work)

Seed 003 and seed 000 Q9 ask what a convolution buys over a dense layer: *weight sharing* (one
3x3 kernel, 9 weights, is used at every position of the image, so its gradient is the sum of
its contributions from all 16 positions) and *spatial information* (each output looks at a
neighbourhood, so a kernel learns a local pattern, a piece of bar, and finds it anywhere).

* data: 6x6 images with one bar, a row (class 0, horizontal) or a column (class 1, vertical),
  of length 3 to 6 at a random place, plus Gaussian noise (``bars`` below);
* model: Unflatten (36 numbers -> one 6x6 image), Conv2d with 2 kernels of 3x3, zero padding
  1 and ReLU (-> 2 maps of 6x6; the padding lets a kernel centre on a bar at the border),
  MaxPool2d 2x2 (-> 2 maps of 3x3), Flatten (-> 18), Dense 18 -> 2 scores; 58 parameters;
* training: ``fit`` with softmax cross-entropy, Adam (lr 0.05), mini-batches of 16, 12 epochs
  on 240 images.

It reaches 98.5% accuracy on 200 test images it never saw (``--quick``: 4 epochs, 100 test
images, in about a second). It draws two pictures: the learned
kernels with what each one sees in a horizontal and a vertical image (kernels.png), and the
graph of one sample's loss with each layer collapsed into one box (graph.png).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _plotting import out_dir, plt, save

from microgrid import evaluate, fit, grid, nn, predict
from microgrid.losses import softmax_cross_entropy

SIZE = 6
CLASSES = ["horizontal", "vertical"]


def bars(n: int, seed: int, noise: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """n images (n, 36) of one horizontal (label 0) or vertical (label 1) bar, and the labels."""
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, noise, size=(n, SIZE, SIZE))
    labels = rng.integers(0, 2, size=n)
    for img, label in zip(images, labels):
        length = int(rng.integers(3, SIZE + 1))
        line, start = int(rng.integers(0, SIZE)), int(rng.integers(0, SIZE - length + 1))
        if label == 0:
            img[line, start : start + length] += 1.0
        else:
            img[start : start + length, line] += 1.0
    return images.reshape(n, SIZE * SIZE), labels.astype(float)


def make_model(seed: int) -> nn.Sequential:
    """The CNN: 6x6 image -> 2 ReLU kernels of 3x3 (padding 1) -> 2x2 max pooling -> 18 -> 2."""
    return nn.Sequential(
        nn.Unflatten((1, SIZE, SIZE)),
        nn.Conv2d(1, 2, 3, padding=1, activation="relu", seed=seed),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dense(18, 2, seed=seed),
        name="cnn",
    )


def draw_kernels(model: nn.Sequential, X: np.ndarray, y: np.ndarray, path) -> None:
    """The learned kernels, and each kernel's ReLU feature map on one image of each class."""
    conv = model.modules[1]
    kernels = grid.data(conv.weight)[:, 0]
    examples = [int(np.flatnonzero(y == k)[0]) for k in (0, 1)]
    fig, axes = plt.subplots(3, 3, figsize=(8.4, 8.2))
    limit = np.abs(kernels).max()
    for k in range(2):
        ax = axes[0, k + 1]
        ax.imshow(kernels[k], cmap="RdBu_r", vmin=-limit, vmax=limit)
        for (i, j), w in np.ndenumerate(kernels[k]):
            ax.text(j, i, f"{w:+.2f}", ha="center", va="center", fontsize=9)
        ax.set_title(f"kernel {k} (3x3 shared weights)", fontsize=10)
    axes[0, 0].axis("off")
    axes[0, 0].text(
        0.0,
        0.5,
        "rows 2-3: an input image\nand what each kernel\nsees in it (ReLU maps)",
        fontsize=11,
        va="center",
    )
    for row, index in zip((1, 2), examples):
        image = X[index].reshape(SIZE, SIZE)
        axes[row, 0].imshow(image, cmap="gray_r")
        axes[row, 0].set_title(f"a {CLASSES[int(y[index])]} bar", fontsize=10)
        maps = grid.data(conv(X[index].reshape(1, SIZE, SIZE).tolist()))
        for k in range(2):
            axes[row, k + 1].imshow(maps[k], cmap="magma", vmin=0, vmax=max(maps.max(), 1e-9))
            axes[row, k + 1].set_title(f"kernel {k} map, max {maps[k].max():.2f}", fontsize=10)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("learned kernels and their feature maps", fontsize=13)
    save(fig, path)


def draw_graph(model: nn.Sequential, x: np.ndarray, label: int, path) -> int:
    """One sample's forward and backward pass, each layer of the CNN collapsed into one box."""
    import viz

    loss = softmax_cross_entropy(model(x.tolist()), int(label))
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    collapse = [f"cnn.layer{k}" for k in (0, 1, 2)] + ["cnn.layer4.neuron0", "cnn.layer4.neuron1"]
    drawing = viz.draw(loss, collapse=collapse, params=model.parameters(), rankdir="LR")
    drawing.render(path)
    print(f"wrote {path}")
    return drawing.n_nodes


def main(argv: list[str] | None = None) -> dict:
    """Train, print the accuracies, draw the pictures; returns the numbers it printed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/cnn/)")
    parser.add_argument("--train", type=int, default=240, help="training images (default 240)")
    parser.add_argument("--test", type=int, default=200, help="test images (default 200)")
    parser.add_argument("--epochs", type=int, default=12, help="epochs (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--quick", action="store_true", help="4 epochs, 100 test images")
    args = parser.parse_args(argv)
    if args.quick:
        args.test, args.epochs = 100, 4
    out = out_dir("cnn", args.out)

    X, y = bars(args.train, seed=args.seed)
    X_test, y_test = bars(args.test, seed=args.seed + 1)
    model = make_model(args.seed)
    print(model.summary())

    start = time.perf_counter()
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer="adam",
        lr=0.05,
        epochs=args.epochs,
        batch_size=16,
        seed=args.seed,
    )
    seconds = time.perf_counter() - start
    train_acc = float(np.mean(predict(model, X).argmax(axis=1) == y))
    test_acc = float(np.mean(predict(model, X_test).argmax(axis=1) == y_test))
    test_loss = evaluate(model, X_test, y_test, loss="cross_entropy")["loss"]
    print(
        f"{args.epochs} epochs in {seconds:.1f} s: loss {history.loss[0]:.3f} -> "
        f"{history.loss[-1]:.3f}; train accuracy {train_acc:.1%}, "
        f"test accuracy {test_acc:.1%} (test loss {test_loss:.3f}) on {args.test} new images"
    )

    draw_kernels(model, X_test, y_test, out / "kernels.png")
    nodes = draw_graph(model, X_test[0], int(y_test[0]), out / "graph.png")
    return {
        "out": out,
        "loss": history.loss,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "seconds": seconds,
        "graph_nodes": nodes,
        "model": model,
    }


if __name__ == "__main__":
    main()
