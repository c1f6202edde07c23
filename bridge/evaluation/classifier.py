"""A small style classifier: multinomial logistic regression in numpy (no scikit-learn needed).

Trained on real clips of a held-out split, it answers "does a generated clip sound like the style
it was asked for?" beside its accuracy on real test clips, which bounds what generated clips can
reach."""

from __future__ import annotations

import numpy as np

L2 = 1e-3  # weight decay
STEPS = 400  # full-batch gradient steps (features are standardised, so this converges)
LEARNING_RATE = 0.5


class StyleClassifier:
    def __init__(self, classes: list[str]):
        self.classes = list(classes)
        self.mean = self.std = self.w = self.b = None

    def fit(self, x: np.ndarray, labels: list[str]) -> "StyleClassifier":
        # x: [n, f]; labels: n class names
        y = np.array([self.classes.index(s) for s in labels])
        self.mean, self.std = x.mean(0), x.std(0) + 1e-6
        z = (x - self.mean) / self.std
        n, f = z.shape
        k = len(self.classes)
        self.w, self.b = np.zeros((f, k)), np.zeros(k)
        onehot = np.eye(k)[y]
        for _ in range(STEPS):
            p = self._softmax(z @ self.w + self.b)  # [n, k]
            g = p - onehot
            self.w -= LEARNING_RATE * (z.T @ g / n + L2 * self.w)
            self.b -= LEARNING_RATE * g.mean(0)
        return self

    @staticmethod
    def _softmax(logits: np.ndarray) -> np.ndarray:
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, x: np.ndarray) -> list[str]:
        if len(x) == 0:
            return []
        z = (np.atleast_2d(x) - self.mean) / self.std
        return [self.classes[i] for i in np.argmax(z @ self.w + self.b, axis=1)]

    def accuracy(self, x: np.ndarray, labels: list[str]) -> float | None:
        if len(labels) == 0:
            return None
        return float(np.mean([p == t for p, t in zip(self.predict(x), labels)]))
