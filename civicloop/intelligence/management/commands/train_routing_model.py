# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from civicloop.intelligence.actions import train_routing_model


class Command(BaseCommand):
    help = "Train, cross-validate and activate a new version of the inquiry-routing model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-eval", action="store_true", help="skip the 5-fold cross-validation (faster)")

    def handle(self, *args: Any, **options: Any) -> None:
        evaluate = not options["no_eval"]
        with tqdm(
            total=(5 if evaluate else 0) + 1, desc="training", unit="fit", disable=options["verbosity"] == 0
        ) as bar:
            model = train_routing_model(evaluate=evaluate, progress=bar.update)
        summary = f"routing model v{model.version}: {model.train_examples} examples ({model.corrections_used} corrections), trained in {model.train_seconds:.1f} s"
        if model.cv_macro_f1 is not None:
            summary += f", cv macro-F1 {model.cv_macro_f1:.3f}, top-3 accuracy {model.cv_top3_accuracy:.3f}"
        self.stdout.write(summary)
