# SPDX-License-Identifier: MPL-2.0
"""Which objects carry a label, and which objects a label change carries along.

A classified model is any model with a concrete `classification` field; one that people can
point at (request a change, grant need-to-know) also has a `public_id` and the attributes the
policy reads (`department_code`, `owner_id`). Nothing is registered by hand: a new model with
those fields (IssuedDocument, messages …) is covered as soon as it exists.

A label covers what the object contains, so that no side path shows more than the label allows.
The *family* of an object is found by following, recursively:
- one-to-one links in either direction (a case and its application are one file), and
- reverse foreign keys to classified models (an application's attachments, a case's comments
  and issued documents), except from a model to itself (Application.follows) —
never a forward foreign key (an attachment does not carry its application; an application does
not carry its procedure version).

Applying a new tier to a family: raising lifts every member below the new tier to it; lowering
brings down the members that were above the new tier but no higher than the object's old tier
(a document labelled higher on its own keeps its label).
"""

import functools
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models

from civicloop.classification import crypto
from civicloop.classification.fields import SealedValueField, binding_of, sealed_fields
from civicloop.classification.policy import rank
from civicloop.core.models import Classification

MAX_FAMILY = 10_000  # a guard: a label change never walks into a whole table by mistake


def is_classified(model: type[models.Model]) -> bool:
    try:
        return model._meta.get_field("classification").concrete
    except FieldDoesNotExist:
        return False


def is_addressable(model: type[models.Model]) -> bool:
    """Classified, with a public id and the policy's attributes: people can request and grant on it."""
    if not is_classified(model):
        return False
    try:
        model._meta.get_field("public_id")
    except FieldDoesNotExist:
        return False
    return all(hasattr(model, name) for name in ("department_code", "owner_id", "guest_key"))


def addressable_models() -> dict[str, type[models.Model]]:
    """`"cases.case"` → model, for every addressable model installed."""
    return {m._meta.label_lower: m for m in apps.get_models() if is_addressable(m)}


def load_addressable(label: str, public_id: Any) -> Any:
    """The object of an addressable model by its label and public id; LookupError if there is none."""
    model = addressable_models().get(label)
    if model is None:
        raise LookupError(label)
    try:
        return model._default_manager.get(public_id=public_id)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise LookupError(f"{label}/{public_id}") from exc


def _relations(model: type[models.Model]) -> Iterator[tuple[Any, type[models.Model]]]:
    """The links a label follows from `model`, each with the classified model at its other end."""
    for rel in model._meta.get_fields():
        related = rel.related_model
        if (
            isinstance(related, type)
            and is_classified(related)
            and (rel.one_to_one or (rel.one_to_many and rel.auto_created))
            # A link between two objects of one kind is a reference, not contents: the applications
            # a 転入届 prefilled (Application.follows) are files of their own, with their own labels.
            and related is not model
        ):
            yield rel, related


def _related(obj: models.Model, through: Collection[type[models.Model]] | None = None) -> Iterator[models.Model]:
    for rel, related in _relations(type(obj)):
        if through is not None and related not in through:
            continue
        if rel.one_to_one:
            accessor = str(rel.get_accessor_name() if rel.auto_created else rel.name)
            try:
                other = getattr(obj, accessor)
            except ObjectDoesNotExist:
                continue
            if other is not None:
                yield other
        else:
            yield from getattr(obj, str(rel.get_accessor_name())).all()


def family_of(obj: models.Model, through: Collection[type[models.Model]] | None = None) -> list[models.Model]:
    """The object first, then every classified object its label carries along.

    With `through`, only the members of those models (and only the links into them) are walked:
    a search for one kind of member need not load every comment and document on the way.
    """
    seen = {(obj._meta.label_lower, obj.pk)}
    found = [obj]
    queue = [obj]
    while queue:
        for other in _related(queue.pop(), through):
            key = (other._meta.label_lower, other.pk)
            if key not in seen:
                seen.add(key)
                found.append(other)
                queue.append(other)
                if len(found) > MAX_FAMILY:
                    raise RuntimeError(f"the family of {obj._meta.label_lower} {obj.pk} exceeds {MAX_FAMILY}")
    return found


@functools.cache
def leading_to(attname: str) -> frozenset[type[models.Model]]:
    """The classified models through which a family walk can reach a model with the field `attname`.

    Without the dead ends (`_dead_ends`): a walk that enters one only comes back.
    """
    classified = [m for m in apps.get_models() if is_classified(m)]
    found = {m for m in classified if any(f.attname == attname for f in m._meta.concrete_fields)}
    grew = True
    while grew:
        before = len(found)
        found |= {m for m in classified if any(related in found for _rel, related in _relations(m))}
        grew = len(found) > before
    return frozenset(found - _dead_ends(found, attname))


def _dead_ends(walked: set[type[models.Model]], attname: str) -> set[type[models.Model]]:
    """The models among `walked` that a walk through them can only enter and leave by one one-to-one link.

    Such a member (a case's chat channel, an application's rating) leads back to the one object it
    was reached from, so walking into it finds nothing new: it costs a query per page and no member.
    A model with the field itself is never one. Pruned until none is left (without the channel, a
    case reached from its application leads only back to it). The object a walk starts from is
    walked whatever its model, so a walk that starts at a dead end still finds its family.
    """
    dead: set[type[models.Model]] = set()
    while True:
        links: dict[type[models.Model], set[Any]] = {m: set() for m in walked - dead}
        for model in links:
            for rel, related in _relations(model):
                if related in links:
                    link = rel.field if rel.auto_created else rel  # the one field behind both ends
                    links[model].add(link)
                    links[related].add(link)
        newly = {
            m
            for m, touching in links.items()
            if not any(f.attname == attname for f in m._meta.concrete_fields)
            and len(touching) == 1
            and next(iter(touching)).one_to_one
        }
        if not newly:
            return dead
        dead |= newly


@dataclass(frozen=True)
class Change:
    model: str
    pk: Any
    public_id: str | None
    old: str
    new: str

    def as_json(self) -> dict[str, Any]:
        return {"model": self.model, "pk": self.pk, "public_id": self.public_id, "from": self.old, "to": self.new}


def new_member_tier(member_tier: str, *, old: str, new: str) -> str:
    """The rule of the module docstring, for one member."""
    if rank(new) > rank(old):
        return new if rank(member_tier) < rank(new) else member_tier
    if rank(new) < rank(member_tier) <= rank(old):
        return new
    return member_tier


def set_tier(obj: models.Model, tier: str) -> None:
    """Write one object's tier, re-sealing its encrypted fields for the new tier.

    Models with encrypted fields are saved through the model (pre_save seals for the new tier);
    the others by a queryset update, which also suits records that refuse `save()` once written
    (case comments) — the tier is metadata about them, not their content.
    """
    model = type(obj)
    fresh = model._default_manager.select_for_update().get(pk=obj.pk)
    fields = sealed_fields(model)
    sealed_values = [f for f in model._meta.concrete_fields if isinstance(f, SealedValueField)]
    if not fields and not sealed_values:
        model._default_manager.filter(pk=obj.pk).update(classification=tier)
    else:
        for field in fields:
            getattr(fresh, field.attname)  # open with the old tier's key before the tier changes
        fresh.classification = tier  # type: ignore[attr-defined]
        for sealed in sealed_values:
            _reseal(fresh, sealed.attname, tier)
        fresh.save(update_fields=["classification", *(f.name for f in fields), *(f.name for f in sealed_values)])
    obj.classification = tier  # type: ignore[attr-defined]


def _reseal(obj: models.Model, attname: str, tier: str) -> None:
    envelope = getattr(obj, attname)
    if not crypto.is_envelope(envelope):
        return
    key_tier = tier if rank(tier) >= rank(Classification.SECRET) else Classification.SECRET
    if envelope.get("tier") != key_tier:
        binding = binding_of(obj, attname)
        setattr(
            obj, attname, crypto.seal_json(crypto.open_json(envelope, binding=binding), tier=key_tier, binding=binding)
        )


def relabel_family(obj: models.Model, *, new: str) -> list[Change]:
    """Apply `new` to `obj` and its family (rules above); returns what changed. Call inside a transaction."""
    old = str(obj.classification)  # type: ignore[attr-defined]
    changes = []
    for member in family_of(obj):
        current = str(member.classification)  # type: ignore[attr-defined]
        target = new if member is obj else new_member_tier(current, old=old, new=new)
        if target != current:
            set_tier(member, target)
            changes.append(Change(member._meta.label_lower, member.pk, _public_id(member), current, target))
    return changes


def restore(changes: list[dict[str, Any]]) -> None:
    """Undo `relabel_family` from its recorded changes (a rejected provisional raise)."""
    for change in changes:
        model = apps.get_model(change["model"])
        try:
            member = model._default_manager.get(pk=change["pk"])
        except ObjectDoesNotExist:
            continue
        if str(member.classification) == change["to"]:
            set_tier(member, change["from"])


def content_type_of(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(obj)


def _public_id(obj: models.Model) -> str | None:
    value = getattr(obj, "public_id", None)
    return str(value) if value is not None else None
