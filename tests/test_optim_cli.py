"""`minilogit train --optimizer NAME --schedule S --batch-size B`."""

from __future__ import annotations

import json
import re

import pytest

from minilogit import optim


def train_json(cli, *options: str) -> dict:
    status, out, err = cli(
        "train", "--iterations", "40", "--record-every", "10", "--json", *options
    )
    assert status == 0, err
    return json.loads(out)


@pytest.mark.parametrize("name", list(optim.OPTIMIZERS))
def test_every_optimizer_trains_from_the_cli(cli, name):
    result = train_json(cli, "--optimizer", name, "--l2", "0.001")
    assert result["optimizer"].startswith(type(optim.make(name)).__name__)
    assert result["final_cost"] < result["costs"][0][1]
    assert result["test_accuracy"] > 80
    assert result["lr"] == optim.default_lr(name)


def test_second_order_optimizers_stop_on_their_own_tolerance(cli):
    result = train_json(cli, "--optimizer", "newton", "--l2", "0.001")
    assert result["stop_reason"] == "loss_change" and result["iterations"] < 20


@pytest.mark.parametrize("schedule", optim.SCHEDULES)
def test_schedules_from_the_cli(cli, schedule):
    result = train_json(cli, "--optimizer", "momentum", "--schedule", schedule, "--lr", "0.1")
    expected = repr(optim.make_schedule(schedule, 0.1, 40))
    assert result["lr"] == expected and expected in result["optimizer"]
    assert result["final_cost"] < result["costs"][0][1]


def test_schedule_with_the_default_auto_rate(cli):
    result = train_json(cli, "--schedule", "cosine")
    assert result["lr"] == "Cosine(lr='auto', steps=40, alpha=0.0)"


def test_batch_size_changes_the_run_and_is_seeded(cli):
    full = train_json(cli, "--optimizer", "adam")
    batched = train_json(cli, "--optimizer", "adam", "--batch-size", "64")
    again = train_json(cli, "--optimizer", "adam", "--batch-size", "64")
    other_seed = train_json(cli, "--optimizer", "adam", "--batch-size", "64", "--seed", "1")
    assert batched["final_cost"] != full["final_cost"]
    assert batched["costs"] == again["costs"]
    assert other_seed["costs"] != batched["costs"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--optimizer", "adam", "--lr", "auto"], "lr='auto' .* give a number"),
        (["--optimizer", "newton", "--schedule", "step"], "--schedule applies to first-order"),
        (["--batch-size", "100000"], "batch_size=100000 exceeds the .* training rows"),
        (["--batch-size", "0"], "must be a positive integer"),
        (["--schedule", "linear"], "invalid choice: 'linear'"),
        (["--optimizer", "sgd"], "invalid choice: 'sgd'"),
    ],
)
def test_bad_options_are_one_line_errors(cli, options, message):
    status, out, err = cli("train", "--iterations", "5", *options)
    assert status == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert "error: " in last and re.search(message, last), err
    assert "Traceback" not in err
