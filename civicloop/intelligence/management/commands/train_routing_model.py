# SPDX-License-Identifier: MPL-2.0
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from civicloop.intelligence.actions import train_routing_model
from civicloop.intelligence.models import RoutingModel


class Command(BaseCommand):
    help = "Train, cross-validate and activate a new version of the inquiry-routing model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-eval", action="store_true", help="skip the 5-fold cross-validation (faster)")
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing when a model has been trained already (make run)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if options["if_missing"] and RoutingModel.objects.exists():
            if verbosity > 1:
                self.stdout.write("a routing model exists already; not training")
            return
        evaluate = not options["no_eval"]
        if verbosity > 0:
            self.stdout.write("training the inquiry-routing model" + (" and cross-validating it" if evaluate else ""))
        # The bar only where someone watches it: piped into a log (make run > file, CI) it would
        # leave one line of carriage returns per step.
        show_bar = verbosity > 0 and sys.stderr.isatty()
        with tqdm(total=(5 if evaluate else 0) + 1, desc="training", unit="fit", disable=not show_bar) as bar:
            model = train_routing_model(evaluate=evaluate, progress=bar.update)
        summary = f"routing model v{model.version}: {model.train_examples} examples ({model.corrections_used} corrections), trained in {model.train_seconds:.1f} s"
        if model.cv_macro_f1 is not None:
            summary += (
                f", cv top-1 {model.cv_top1_accuracy:.3f}, top-3 {model.cv_top3_accuracy:.3f},"
                f" macro-F1 {model.cv_macro_f1:.3f}, Brier {model.cv_brier:.3f}, ECE {model.cv_ece:.3f};"
                f" held-out top-1 {model.heldout_top1_accuracy:.3f}, top-3 {model.heldout_top3_accuracy:.3f}"
            )
        if verbosity > 0:
            self.stdout.write(summary)
