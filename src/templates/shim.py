"""Compatibility shim left by `regraft apply --shim`.

`{old}` moved to `{new}`. Importing the old name, or any module under
it, gives the very module object of the new name (so `isinstance` and monkeypatching
agree) and warns with a DeprecationWarning. Move the importing code to the new name,
then delete this package.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import warnings

_OLD = "{old}"
_NEW = "{new}"


def _moved(name):
    new_name = _NEW + name[len(_OLD):]
    warnings.warn(
        f"{{name}} has moved to {{new_name}}; import it from there",
        DeprecationWarning,
        stacklevel=3,
    )
    return new_name


class _Redirect(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of `_OLD.*` with the modules of `_NEW.*`."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(_OLD + "."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(_moved(spec.name))

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _Redirect())
sys.modules[__name__] = importlib.import_module(_moved(__name__))
