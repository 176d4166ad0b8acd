{#
    dbt's hook for a data test's `where` config, extended with one placeholder:
    `where: "__build_batch__"` (alone or inside a larger condition) tests only the rows of the
    files this build adds (their delivery days and sha256s as literals, build_batch_literals;
    the relation needs `delivery_date` and `_file_sha256`), when dbt runs
    with `--vars '{tests_on_build_batch: true}'` as every crossdock build does: in a first or
    full-refresh build the batch is every lake file, in an increment the new files (rows built
    earlier were tested by the build that added them). In a plain `dbt build` it is `true`.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- if '__build_batch__' in where -%}
            {%- set batch = build_batch_literals() if var('tests_on_build_batch', false) else none -%}
            {%- if batch is not none and not batch.from_scratch -%}
                {%- set where = where | replace(
                    '__build_batch__',
                    '(delivery_date in (' ~ batch.dates ~ ') and _file_sha256 in (' ~ batch.shas ~ '))',
                ) -%}
            {%- else -%}
                {%- set where = where | replace('__build_batch__', 'true') -%}
            {%- endif -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
