"""Migrations read each version of a kernel function from the one file that defines it."""

import pytest

from apps.auditing.sqlfiles import sql_function


def test_a_function_comes_out_whole_as_create_or_replace():
    text = sql_function("trail.sql", "auditing_refuse_change")
    assert text.startswith("CREATE OR REPLACE FUNCTION auditing_refuse_change()")
    assert text.endswith("END $$;")
    assert text.count("CREATE") == 1


def test_a_function_the_file_does_not_define_is_an_error():
    with pytest.raises(LookupError, match="auditing_nothing"):
        sql_function("trail.sql", "auditing_nothing")
