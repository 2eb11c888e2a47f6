# SPDX-License-Identifier: MPL-2.0
"""A JSON field that is stored in clear for OFFICIAL records and encrypted for SECRET and above.

The rest of the code reads and writes `application.answers` as before: the field seals the value
in `pre_save` when the record's `classification` is SECRET or TOP SECRET (envelope encryption,
crypto.py) and its attribute opens an envelope on first access — lazily, so a list that never
touches the answers never decrypts them. An OFFICIAL record's value is saved exactly as given
(the submission path of OFFICIAL procedures is untouched).

`sealed_keys` names top-level keys that are sealed on their own whatever the tier (個人番号 typed
into a draft is never stored in clear, even before submission moves it to its own field).

Limits, by design: `QuerySet.update(answers=…)` bypasses `pre_save` and would store clear text;
`values("answers")` returns the envelope; JSON path lookups do not see into envelopes.
"""

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from civicloop.classification import crypto
from civicloop.core.models import Classification


def binding_of(instance: models.Model, name: str) -> str:
    """What an envelope is bound to: model, record (public id) and field."""
    return f"{instance._meta.label_lower}:{getattr(instance, 'public_id', None) or instance.pk}:{name}"


class DecryptingAttribute(DeferredAttribute):
    """Loads a deferred value like Django's attribute, then opens an envelope once per instance.

    A data descriptor (it has `__set__`): otherwise the value Django puts in the instance's
    `__dict__` when loading a row would hide `__get__`, and the envelope would be read as is.
    """

    field: "ClassifiedJSONField"

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if self.field.is_sealed(value):
            value = self.field.open_value(instance, value)
            instance.__dict__[self.field.attname] = value
        return value


class ClassifiedJSONField(models.JSONField):
    descriptor_class = DecryptingAttribute

    def __init__(self, *args: Any, sealed_keys: Sequence[str] = (), **kwargs: Any) -> None:
        self.sealed_keys = tuple(sealed_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.sealed_keys:
            kwargs["sealed_keys"] = list(self.sealed_keys)
        return name, path, args, kwargs

    def is_sealed(self, value: Any) -> bool:
        if crypto.is_envelope(value):
            return True
        return isinstance(value, dict) and any(crypto.is_envelope(value.get(key)) for key in self.sealed_keys)

    def open_value(self, instance: models.Model, value: Any) -> Any:
        binding = binding_of(instance, self.name)
        if crypto.is_envelope(value):
            value = crypto.open_json(value, binding=binding)
        if isinstance(value, dict):
            for key in self.sealed_keys:
                if crypto.is_envelope(value.get(key)):
                    value = {**value, key: crypto.open_json(value[key], binding=f"{binding}.{key}")}
        return value

    def seal_value(self, instance: models.Model, value: Any) -> Any:
        """The value as it is stored: sealed keys sealed, and the whole sealed at SECRET and above."""
        binding = binding_of(instance, self.name)
        tier = str(getattr(instance, "classification", Classification.OFFICIAL))
        if tier in crypto.ENCRYPTED_TIERS:
            return crypto.seal_json(value, tier=tier, binding=binding)
        if isinstance(value, dict) and any(key in value for key in self.sealed_keys):
            # Only in clear records: above OFFICIAL the whole value is sealed already, and one
            # layer keeps key rotation a re-wrap of data keys.
            return {
                k: crypto.seal_json(v, tier=Classification.SECRET, binding=f"{binding}.{k}")
                if k in self.sealed_keys
                else v
                for k, v in value.items()
            }
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return self.seal_value(model_instance, getattr(model_instance, self.attname))


class SealedValueField(models.JSONField):
    """An envelope (or null) that is never opened on access: reads go through one logged function.

    Used for 個人番号 (`Application.my_number_encrypted`, read by classification.mynumber).
    """


def sealed_fields(model: type[models.Model]) -> list[ClassifiedJSONField]:
    """The fields re-sealed when a record's tier changes."""
    return [f for f in model._meta.concrete_fields if isinstance(f, ClassifiedJSONField)]


def encrypted_fields(model: type[models.Model]) -> list[models.JSONField]:
    """Every field that may hold envelopes (what key rotation walks)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, ClassifiedJSONField | SealedValueField)]
