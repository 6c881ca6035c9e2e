"""A model instance's stored values, as plain values."""


def stored_values(instance):
    """Every stored value of a model instance: a cached piece that shows any of them is keyed
    by all of them, so none can be forgotten, and two readings of a row are the same row when
    these are equal."""
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)
