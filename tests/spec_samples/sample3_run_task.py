from evalscope import run_task, TaskConfig
from evalscope.models.custom.dummy_model import DummyCustomModel

# 实例化DummyCustomModel
dummy_model = DummyCustomModel()

# 配置评测任务
task_config = TaskConfig(
    model=dummy_model,
    model_id='dummy-model',  # 自定义模型ID
    datasets=['gsm8k'],
    eval_type='custom',  # 必须为custom
    generation_config={
        'max_new_tokens': 100,
        'temperature': 0.0,
        'top_p': 1.0,
        'top_k': 50,
        'repetition_penalty': 1.0
    },
    debug=True,
    limit=5,
)

# 运行评测任务
eval_results = run_task(task_cfg=task_config)
