"""The whole dataset in one versioned JSON file, and back: reference data, instruments,
provisions, sources, treaty records, assessments, proposals and their review state, and
(unless left out) the history of every audited record.

Primary keys are kept, so links between records and to the history survive the round trip,
and exporting a restored database gives the same objects as the original. People are carried
by username (with names, e-mail, flags and groups) but never with a password hash: a dataset
file can be shared without sharing credentials, and a restored account needs a new password.
"""

import datetime
import gzip
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from legislation.models import (
    Assessment,
    ChangeBatch,
    ChangeProposal,
    Country,
    CountryGroup,
    Criterion,
    EvidenceProposal,
    Framework,
    ImportUpload,
    LegalInstrument,
    Provision,
    PublishedFigure,
    PublishedRating,
    Source,
    TreatyParticipation,
    TreatyReservation,
)
from legislation.site import cache as datacache

FORMAT = "csem-gap-analysis-dataset"
VERSION = 1

# In dependency order: each model only points at models listed before it (or at itself, in
# which case rows are ordered so the one pointed at comes first).
MODELS = [
    CountryGroup,
    Country,
    Framework,
    Criterion,
    Source,
    LegalInstrument,
    Provision,
    Assessment,
    TreatyParticipation,
    TreatyReservation,
    PublishedFigure,
    PublishedRating,
    ChangeBatch,
    ChangeProposal,
    EvidenceProposal,
]
AUDITED = [Assessment, Source, LegalInstrument, Provision, TreatyParticipation, TreatyReservation]


class DatasetError(Exception):
    pass


def history_models():
    result = []
    for model in AUDITED:
        history = model.history.model
        result.append(history)
        for field in getattr(history, "_history_m2m_fields", []):
            result.append(getattr(history, field.name).model)
    return result


def _ordered(model):
    queryset = model._default_manager.order_by("pk")
    # The serializer reads prefetched many-to-many links instead of one query per record.
    queryset = queryset.prefetch_related(*[f.name for f in model._meta.many_to_many])
    if model is Criterion:
        # Articles before their sub-paragraphs.
        return sorted(queryset, key=lambda c: (c.parent_id is not None, c.pk))
    if model is TreatyReservation:
        # What an objection objects to before the objection.
        return sorted(queryset, key=lambda r: (r.objects_to_id is not None, r.pk))
    return queryset


def _latest_migration():
    record = MigrationRecorder.Migration.objects.filter(app="legislation").order_by("-name").first()
    return record.name if record else ""


def collect(history=True):
    """The dataset as a JSON-ready dict (what `export_dataset` writes)."""
    models = MODELS + (history_models() if history else [])
    objects = []
    counts = {}
    for model in models:
        rows = serializers.serialize("python", _ordered(model), use_natural_foreign_keys=True)
        counts[model._meta.label] = len(rows)
        objects += rows
    User = get_user_model()
    users = [
        {
            "username": u.username,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "email": u.email,
            "is_staff": u.is_staff,
            "is_active": u.is_active,
            "is_superuser": u.is_superuser,
            "groups": sorted(g.name for g in u.groups.all()),
        }
        for u in User.objects.order_by("username").prefetch_related("groups")
    ]
    groups = [
        {
            "name": g.name,
            "permissions": sorted(
                f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all()
            ),
        }
        for g in Group.objects.order_by("name").prefetch_related("permissions__content_type")
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "schema": _latest_migration(),
        "includes_history": history,
        "counts": counts,
        "groups": groups,
        "users": users,
        "objects": objects,
    }


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but keeping microseconds: it rounds times to milliseconds, which would
    make a restored history differ from the original."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def dumps(data):
    return json.dumps(data, cls=_Encoder, sort_keys=True, ensure_ascii=False)


def export_dataset(path, history=True):
    data = collect(history=history)
    text = dumps(data)
    if str(path).endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return data["counts"]


def read(path):
    try:
        if str(path).endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                data = json.load(f)
        else:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, EOFError) as error:
        raise DatasetError(f"{path} is not a readable dataset file ({error}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DatasetError(f"{path} is not a dataset file written by export_dataset.")
    if data.get("version") != VERSION:
        raise DatasetError(
            f"{path} is dataset format version {data.get('version')}; this app reads "
            f"version {VERSION}."
        )
    return data


def is_empty():
    return not any(
        model._default_manager.exists() for model in MODELS + history_models() + [ImportUpload]
    )


def clear():
    """Delete every dataset record (not people or groups), one statement a table. No signals run,
    so no "deleted" history rows are written for records the restore is about to replace."""
    models = [*MODELS, *history_models(), ImportUpload]
    tables = [m._meta.db_table for m in models]
    tables += [
        f.remote_field.through._meta.db_table
        for m in models
        for f in m._meta.many_to_many
        if f.remote_field.through._meta.auto_created
    ]
    # Plain DELETEs (not TRUNCATE, which PostgreSQL refuses while the same transaction has
    # pending constraint checks); Django's foreign keys are checked at commit, by which time
    # every dependent row is gone too.
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


@transaction.atomic
def import_dataset(data, replace=False):
    """Load a dataset (as read by `read`) into an empty database, or replace the current
    dataset when `replace` is set. All or nothing."""
    schema = data.get("schema")
    if (
        schema
        and not MigrationRecorder.Migration.objects.filter(app="legislation", name=schema).exists()
    ):
        raise DatasetError(
            f"The file was written with database schema {schema}, which this database does "
            "not have: run manage.py migrate with the app version that wrote it."
        )
    if not is_empty():
        if not replace:
            raise DatasetError(
                "The database already holds data; refusing to mix two datasets. Restore into "
                "an empty database, or pass --replace to delete the current data first."
            )
        clear()
    _restore_people(data)
    by_model = {}
    for obj in serializers.deserialize("python", data["objects"]):
        by_model.setdefault(type(obj.object), []).append(obj)
    # bulk_create sends no signals: no history rows are invented for the restore (the file
    # carries the real history), and it is one statement per thousand rows.
    for model, objs in by_model.items():
        instances = [o.object for o in objs]
        stamped = [
            f
            for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        kept = [[getattr(i, f.attname) for f in stamped] for i in instances]
        model._default_manager.bulk_create(instances, batch_size=1000)
        if stamped:
            # bulk_create stamps auto_now fields with the time of the restore; put back the
            # times from the file.
            for instance, values in zip(instances, kept, strict=True):
                for f, value in zip(stamped, values, strict=True):
                    setattr(instance, f.attname, value)
            model._default_manager.bulk_update(
                instances, [f.name for f in stamped], batch_size=1000
            )
        for name in {name for o in objs for name in (o.m2m_data or {})}:
            field = model._meta.get_field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name() + "_id", field.m2m_reverse_field_name() + "_id"
            through.objects.bulk_create(
                [
                    through(**{source: o.object.pk, target: pk})
                    for o in objs
                    for pk in (o.m2m_data or {}).get(name, [])
                ],
                batch_size=1000,
            )
    _reset_sequences(list(by_model))
    # Bulk inserts send no signals: tell the page cache the data changed.
    transaction.on_commit(datacache.bump)
    return {model._meta.label: len(objs) for model, objs in by_model.items()}


def _restore_people(data):
    for entry in data.get("groups", []):
        group, created = Group.objects.get_or_create(name=entry["name"])
        if created:
            wanted = []
            for label in entry["permissions"]:
                app_label, codename = label.split(".", 1)
                permission = Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if permission:
                    wanted.append(permission)
            group.permissions.set(wanted)
    User = get_user_model()
    for entry in data.get("users", []):
        user = User.objects.filter(username=entry["username"]).first()
        if user is not None:
            continue  # an account that exists here keeps its password, flags and groups
        user = User(**{k: v for k, v in entry.items() if k != "groups"})
        user.set_unusable_password()
        user.save()
        user.groups.set(Group.objects.filter(name__in=entry["groups"]))


def _reset_sequences(models):
    through = [
        f.remote_field.through
        for model in models
        for f in model._meta.many_to_many
        if f.remote_field.through._meta.auto_created
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), models + through)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
