from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ext_setuptools_c._adler",
            sources=["src/ext_setuptools_c/_adler.c"],
            extra_compile_args=["-O2"],
        )
    ]
)
