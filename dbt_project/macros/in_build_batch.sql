{#
    True for the lake rows of the files this build adds: the condition incremental models use
    to find their new rows and the keys those touch. build_batch_literals reads the batch
    (crossdock_meta.build_batch_files) when the node runs and inlines it as literals, so DuckDB
    skips the lake's other partitions and row groups before it reads a row.
    `qualifier`: the table alias of the lake relation, if the query reads more than one.
    A model calling it needs `-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}`
    (it orders the model after the batch's staging view; the values come from the table).
    A lake import CTE read twice (once for the batch's keys, once for every row of those keys)
    is declared `as not materialized`: DuckDB would otherwise materialize the whole lake.
#}
{% macro in_build_batch(qualifier=none) -%}
    {%- set prefix = qualifier ~ '.' if qualifier else '' -%}
    {%- set batch = build_batch_literals() -%}
    (
        {{ prefix }}delivery_date in ({{ batch.dates }})
        and {{ prefix }}_file_sha256 in ({{ batch.shas }})
    )
{%- endmacro %}
