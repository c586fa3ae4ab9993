"""The subset names of the benchmarks with many subjects (as their hub configs or subject fields name them)."""

MMLU_SUBJECTS = [
    "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_biology",
    "college_chemistry", "college_computer_science", "college_mathematics", "college_medicine", "college_physics",
    "computer_security", "conceptual_physics", "econometrics", "electrical_engineering", "elementary_mathematics",
    "formal_logic", "global_facts", "high_school_biology", "high_school_chemistry", "high_school_computer_science",
    "high_school_european_history", "high_school_geography", "high_school_government_and_politics",
    "high_school_macroeconomics", "high_school_mathematics", "high_school_microeconomics", "high_school_physics",
    "high_school_psychology", "high_school_statistics", "high_school_us_history", "high_school_world_history",
    "human_aging", "human_sexuality", "international_law", "jurisprudence", "logical_fallacies", "machine_learning",
    "management", "marketing", "medical_genetics", "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition",
    "philosophy", "prehistory", "professional_accounting", "professional_law", "professional_medicine",
    "professional_psychology", "public_relations", "security_studies", "sociology", "us_foreign_policy", "virology",
    "world_religions",
]  # fmt: skip

MMLU_PRO_CATEGORIES = [
    "biology", "business", "chemistry", "computer science", "economics", "engineering", "health", "history", "law",
    "math", "other", "philosophy", "physics", "psychology",
]  # fmt: skip

CEVAL_SUBJECTS = [
    "computer_network", "operating_system", "computer_architecture", "college_programming", "college_physics",
    "college_chemistry", "advanced_mathematics", "probability_and_statistics", "discrete_mathematics",
    "electrical_engineer", "metrology_engineer", "high_school_mathematics", "high_school_physics",
    "high_school_chemistry", "high_school_biology", "middle_school_mathematics", "middle_school_biology",
    "middle_school_physics", "middle_school_chemistry", "veterinary_medicine", "college_economics",
    "business_administration", "marxism", "mao_zedong_thought", "education_science", "teacher_qualification",
    "high_school_politics", "high_school_geography", "middle_school_politics", "middle_school_geography",
    "modern_chinese_history", "ideological_and_moral_cultivation", "logic", "law", "chinese_language_and_literature",
    "art_studies", "professional_tour_guide", "legal_professional", "high_school_chinese", "high_school_history",
    "middle_school_history", "civil_servant", "sports_science", "plant_protection", "basic_medicine",
    "clinical_medicine", "urban_and_rural_planner", "accountant", "fire_engineer",
    "environmental_impact_assessment_engineer", "tax_accountant", "physician",
]  # fmt: skip

CMMLU_SUBJECTS = [
    "agronomy", "anatomy", "ancient_chinese", "arts", "astronomy", "business_ethics", "chinese_civil_service_exam",
    "chinese_driving_rule", "chinese_food_culture", "chinese_foreign_policy", "chinese_history", "chinese_literature",
    "chinese_teacher_qualification", "clinical_knowledge", "college_actuarial_science", "college_education",
    "college_engineering_hydrology", "college_law", "college_mathematics", "college_medical_statistics",
    "college_medicine", "computer_science", "computer_security", "conceptual_physics",
    "construction_project_management", "economics", "education", "electrical_engineering", "elementary_chinese",
    "elementary_commonsense", "elementary_information_and_technology", "elementary_mathematics", "ethnology",
    "food_science", "genetics", "global_facts", "high_school_biology", "high_school_chemistry", "high_school_geography",
    "high_school_mathematics", "high_school_physics", "high_school_politics", "human_sexuality", "international_law",
    "journalism", "jurisprudence", "legal_and_moral_basis", "logical", "machine_learning", "management", "marketing",
    "marxist_theory", "modern_chinese", "nutrition", "philosophy", "professional_accounting", "professional_law",
    "professional_medicine", "professional_psychology", "public_relations", "security_study", "sociology",
    "sports_science", "traditional_chinese_medicine", "virology", "world_history", "world_religions",
]  # fmt: skip

BBH_TASKS = [
    "boolean_expressions", "causal_judgement", "date_understanding", "disambiguation_qa", "dyck_languages",
    "formal_fallacies", "geometric_shapes", "hyperbaton", "logical_deduction_five_objects",
    "logical_deduction_seven_objects", "logical_deduction_three_objects", "movie_recommendation",
    "multistep_arithmetic_two", "navigate", "object_counting", "penguins_in_a_table",
    "reasoning_about_colored_objects", "ruin_names", "salient_translation_error_detection", "snarks",
    "sports_understanding", "temporal_sequences", "tracking_shuffled_objects_five_objects",
    "tracking_shuffled_objects_seven_objects", "tracking_shuffled_objects_three_objects", "web_of_lies",
    "word_sorting",
]  # fmt: skip
