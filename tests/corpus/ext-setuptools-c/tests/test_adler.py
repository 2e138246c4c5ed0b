import zlib

import ext_setuptools_c
from ext_setuptools_c import adler32


def test_matches_zlib():
    for data in (b"", b"a", b"Wikipedia", bytes(range(256)) * 300):
        assert adler32(data) == zlib.adler32(data)


def test_the_checksum_is_compiled():
    assert ext_setuptools_c._adler.__file__.endswith(".so")
