{#
    The build's batch (crossdock_meta.build_batch_files, written by `crossdock build`) as SQL
    literals, read when the node executes: `shas` and `dates` are comma-separated lists for an
    `in (...)` (`null` when the batch is empty), `from_scratch` is true in a first or
    full-refresh build (nothing built before: the batch is every lake file). Literals, not a
    subquery, because DuckDB prunes the lake's hive partitions and Parquet row groups on
    constants before it reads a row, and evaluates a test's own predicate only after them.
#}
{% macro build_batch_literals() -%}
    {%- if not execute -%}
        {{ return({'shas': 'null', 'dates': 'null', 'from_scratch': true}) }}
    {%- endif -%}
    {%- set meta = {} -%}
    {%- for table in ['build_batch_files', 'built_files'] -%}
        {%- do meta.update({table: api.Relation.create(
            database=target.database, schema='crossdock_meta', identifier=table
        )}) -%}
    {%- endfor -%}
    {%- set result = run_query(
        "select 'built', cast(count(*) as varchar), null from " ~ meta['built_files']
        ~ " union all select 'file', file_sha256, cast(delivery_date as varchar) from "
        ~ meta['build_batch_files']
    ) -%}
    {%- set shas = [] -%}
    {%- set dates = [] -%}
    {%- set built = [0] -%}
    {%- for row in result.rows -%}
        {%- if row[0] == 'built' -%}
            {%- do built.append(row[1] | int) -%}
        {%- else -%}
            {%- do shas.append("'" ~ row[1] ~ "'") -%}
            {%- if ("date '" ~ row[2] ~ "'") not in dates -%}
                {%- do dates.append("date '" ~ row[2] ~ "'") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({
        'shas': shas | join(', ') if shas else 'null',
        'dates': dates | join(', ') if dates else 'null',
        'from_scratch': built[-1] == 0,
    }) }}
{%- endmacro %}
