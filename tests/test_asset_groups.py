"""The asset groups read in the order the data flows (issue 17: `registry` sat both before and
after `matching`). Each group is one stage of pipelines.definitions.STAGE_GROUPS, and every
dependency edge of the asset graph goes from a stage to the same or a later one."""

from pipelines.definitions import STAGE_GROUPS, build_definitions


def test_every_dependency_goes_from_a_stage_to_the_same_or_a_later_one():
    graph = build_definitions().resolve_asset_graph()
    stage = {group: index for index, group in enumerate(STAGE_GROUPS)}
    groups = {node.key: node.group_name for node in graph.asset_nodes}
    assert set(groups.values()) == set(STAGE_GROUPS)  # each stage has assets, none is outside
    backwards = [(parent.to_user_string(), groups[parent], node.key.to_user_string(),
                  groups[node.key])
                 for node in graph.asset_nodes for parent in node.parent_keys
                 if stage[groups[parent]] > stage[groups[node.key]]]
    assert backwards == []


def test_the_stages_are_named_in_data_flow_order():
    assert STAGE_GROUPS == ("ingestion", "validation", "canonical", "matching", "golden",
                            "publication")
    assert len(set(STAGE_GROUPS)) == len(STAGE_GROUPS)


def test_each_domain_asset_sits_in_its_stage():
    graph = build_definitions().resolve_asset_graph()
    groups = {node.key.to_user_string(): node.group_name for node in graph.asset_nodes}
    assert groups["canonical_records"] == "canonical"
    assert groups["record_matches"] == "matching"
    assert groups["golden_records"] == "golden"
    assert groups["registry_publication"] == "publication"
    assert {g for k, g in groups.items() if k.startswith("ingested_")} == {"ingestion"}
    assert {g for k, g in groups.items() if k.startswith("validated_")} == {"validation"}
